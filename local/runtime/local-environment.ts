/**
 * Maps a function's planned environment onto the local one. The plan's values name AWS
 * resources (queue URLs) and the real source API; locally the same variables must point
 * at the emulators and the sample source. Pure, so the mapping is tested on its own.
 */
import { ENV } from "../../functions/lib/contract";

export interface EnvironmentMapping {
  /** Planned value → local value (queue URLs and ARNs). */
  replacements: ReadonlyMap<string, string>;
  /** The sample source's base URL, replacing the planned source URL. */
  sourceBaseUrl: string;
  /** The emulator endpoints, region and credentials (embedded AWS `env()`). */
  awsEnvironment: Record<string, string>;
  functionName: string;
  memoryMb: number;
}

export function localEnvironment(planned: Record<string, string>, mapping: EnvironmentMapping): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(planned)) environment[key] = mapping.replacements.get(value) ?? value;
  if (ENV.sourceBaseUrl in environment) environment[ENV.sourceBaseUrl] = mapping.sourceBaseUrl;
  return {
    ...environment,
    ...mapping.awsEnvironment,
    // What the Lambda runtime itself sets, which Powertools reads.
    AWS_LAMBDA_FUNCTION_NAME: mapping.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(mapping.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    // Lambda sets it in every on-demand environment; Powertools reports cold_start: true on an
    // environment's first invocation only when it reads "on-demand" here (commons Utility.ts,
    // https://github.com/aws-powertools/powertools-lambda-typescript/blob/main/packages/commons/src/Utility.ts).
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    // Lambda runs Node.js 22; the SDK's notice about older local Node.js versions would
    // otherwise repeat on every cold start.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}
