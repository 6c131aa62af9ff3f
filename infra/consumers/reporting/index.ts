/**
 * A second project consuming cascading-etl's outputs: it reads the sales table's name
 * and ARN through a StackReference with the typed reader, and grants a reporting job
 * read-only access to exactly that table. It reads the "shared" part of the contract,
 * which both a shared stack and a full pipeline stack export, so it works in either mode.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { readStackOutputs } from "../../contract";
import { reportingReadPolicy } from "./read-policy";

const config = new pulumi.Config();
const pipeline = new pulumi.StackReference("pipeline", { name: config.require("pipelineStack") });
const sales = readStackOutputs(pipeline, "shared").apply((outputs) => outputs.tables.sales);

const readSales = new aws.iam.Policy("reporting-read-sales", {
  description: "Read-only access for the sales report to the sales table of cascading-etl.",
  policy: sales.apply((table) => JSON.stringify(reportingReadPolicy(table.arn))),
});

export const salesTableName = sales.name;
export const salesTableArn = sales.arn;
export const readPolicyArn = readSales.arn;
