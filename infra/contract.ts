/**
 * The typed output contract of a stack (DESIGN.md §3). The Pulumi program exports
 * exactly these shapes, and another project reads them back through a StackReference
 * with `readStackOutputs`, which validates instead of trusting raw `getOutput` strings.
 *
 * `SharedOutputs` is what the resource-owning part exports (tables, queues, roles);
 * `PipelineOutputs` adds what the collectors add (functions, alarm topic).
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

const arn = z.string().regex(/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$/, "must be an AWS ARN");
const url = z.string().url();

const namedArn = z.object({ name: z.string().min(1), arn }).strict();
const queue = z.object({ url, arn, dlqUrl: url, dlqArn: arn }).strict();

export const sharedOutputsSchema = z
  .object({
    tables: z.object({ branches: namedArn, salespersons: namedArn, sales: namedArn, rejects: namedArn }).strict(),
    queues: z.object({ employee: queue, sale: queue }).strict(),
    roles: z.object({ branches: arn, salespersons: arn, sales: arn }).strict(),
  })
  .strict();

export const pipelineOutputsSchema = sharedOutputsSchema
  .extend({
    functions: z.object({ branches: namedArn, salespersons: namedArn, sales: namedArn }).strict(),
    alarmTopicArn: arn,
  })
  .strict();

export type SharedOutputs = z.infer<typeof sharedOutputsSchema>;
export type PipelineOutputs = z.infer<typeof pipelineOutputsSchema>;
export type OutputContract = "shared" | "pipeline";

const schemas = { shared: sharedOutputsSchema, pipeline: pipelineOutputsSchema } as const;
type ContractOf<C extends OutputContract> = C extends "shared" ? SharedOutputs : PipelineOutputs;

/** Thrown when a stack's outputs do not match the contract; says which output and why. */
export class StackOutputContractError extends Error {
  override readonly name = "StackOutputContractError";
  constructor(
    readonly stack: string,
    readonly problems: string[],
  ) {
    super(`stack ${stack} does not export the expected outputs:\n  - ${problems.join("\n  - ")}`);
  }
}

/**
 * Validates plain output values against a contract. Pure, so it is tested without
 * Pulumi; `readStackOutputs` applies it to a StackReference's outputs.
 */
export function parseStackOutputs<C extends OutputContract>(contract: C, stack: string, raw: Record<string, unknown>): ContractOf<C> {
  const schema = schemas[contract];
  const keys = Object.keys(schema.shape) as string[];
  const picked: Record<string, unknown> = {};
  for (const key of keys) picked[key] = raw[key];
  const result = schema.safeParse(picked);
  if (!result.success) {
    // A value that is absent is reported as missing at its own path (tables.sales),
    // not as zod's "expected object, received undefined".
    const valueAt = (path: PropertyKey[]) => path.reduce<unknown>((value, key) => (value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined), raw);
    const problems = result.error.issues.map((issue) => {
      const where = issue.path.map(String).join(".");
      return valueAt(issue.path) === undefined ? `${where}: missing output` : `${where}: ${issue.message}`;
    });
    throw new StackOutputContractError(stack, [...new Set(problems)]);
  }
  return result.data as ContractOf<C>;
}

/**
 * Reads a stack's outputs through a StackReference and validates them. The result is
 * one Output of the whole typed contract; a missing or malformed output fails the
 * program with `StackOutputContractError` naming it.
 */
export function readStackOutputs<C extends OutputContract>(ref: pulumi.StackReference, contract: C): pulumi.Output<ContractOf<C>> {
  const keys = Object.keys(schemas[contract].shape);
  const values = Object.fromEntries(keys.map((key) => [key, ref.getOutput(key)]));
  return pulumi.all([ref.name, values]).apply(([name, raw]) => parseStackOutputs(contract, name, raw as Record<string, unknown>));
}
