/**
 * The policy pack applied to every preview and update of cascading-etl:
 *   pulumi preview --policy-pack infra/policy
 * The policies live in policies.ts so tests can run them without a pack.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("cascading-etl-policies", {
  description:
    "The safety invariants of cascading-etl: least-privilege IAM, encrypted TLS-only queues, protected prod tables, " +
    "safe SQS retries, and a DLQ and alarms for every collector.",
  enforcementLevel: "mandatory",
  policies,
});
