/**
 * A deployed stack's resource names, from `pulumi stack output --json`, read through the
 * typed output contract (infra/contract.ts) so a missing or malformed output is named
 * instead of surfacing later as an SQS error. Pure.
 */
import { parseStackOutputs, StackOutputContractError, type PipelineOutputs } from "../../infra/contract";
import { MissingOutputsError, WrongStackError } from "./errors";

/** Parses the JSON `pulumi stack output --json` prints and validates it against the pipeline contract. */
export function readOutputs(text: string, stack: string, from: string): PipelineOutputs {
  if (text.trim() === "")
    throw new MissingOutputsError(
      `${from} is empty: pipe in \`pulumi stack output --json --stack ${stack}\` or pass --outputs FILE`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new MissingOutputsError(`${from} is not the JSON of \`pulumi stack output --json\``, { cause: error });
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new MissingOutputsError(`${from} is not a JSON object of stack outputs`);
  try {
    return parseStackOutputs("pipeline", stack, raw as Record<string, unknown>);
  } catch (error) {
    if (error instanceof StackOutputContractError)
      throw new MissingOutputsError(
        `${error.message}\n(is it a pipeline or single stack, not a shared one? ` +
          "`pulumi stack output --json` shows what it exports)",
        { cause: error },
      );
    throw error;
  }
}

/** The region an ARN names (arn:partition:service:region:account:resource). */
export function regionOfArn(arn: string): string {
  return arn.split(":")[3];
}

/** The queue name an SQS ARN ends with. */
export function queueNameOfArn(arn: string): string {
  return arn.split(":").slice(5).join(":");
}

/**
 * The region to talk to: --region, else AWS_REGION, else AWS_DEFAULT_REGION, else the
 * outputs' own. One given that differs from where the outputs' queues live is a wrong
 * stack or a wrong profile, not something to retry.
 */
export function regionFor(outputs: PipelineOutputs, stack: string, given: string | undefined): string {
  const home = regionOfArn(outputs.queues.employee.arn);
  if (given !== undefined && given !== home)
    throw new WrongStackError(
      `the outputs of stack ${stack} name queues in ${home}, but the region is ${given} ` +
        "(--region, AWS_REGION or AWS_DEFAULT_REGION): wrong stack, or wrong region?",
    );
  return home;
}
