/**
 * What `cascade run --keep` prints: how to reach the embedded AWS and the sample source
 * while they stay up. Pure, so the printed commands are tested as printed.
 *
 * The commands work with AWS CLI v1 and v2 alike. v1 reads the region from
 * AWS_DEFAULT_REGION only (v2 reads AWS_REGION first) and ignores the service-specific
 * AWS_ENDPOINT_URL_<SERVICE> variables that v2 and the SDKs read, so both region variables
 * are exported and every example passes `--endpoint-url`.
 * https://docs.aws.amazon.com/cli/v1/userguide/cli-configure-envvars.html
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 */

export interface KeptEndpoints {
  /** What points an SDK or the AWS CLI at the emulators: region, credentials, endpoints. */
  environment: Record<string, string>;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  /** Logical name → physical table name. */
  tables: Record<string, string>;
  /** Logical name → queue URL. */
  queues: Record<string, string>;
  sourceUrl: string;
  /** The bearer token the sample source demands (a local, fake one). */
  sourceToken?: string;
  /** What the example commands look at: the last stage's table, the rejects table, the first stage queue. */
  examples: { table: string; rejectsTable: string; queueUrl: string };
}

/** The source endpoint the curl example lists: the first stage's. */
export const CURL_EXAMPLE_PATH = "/branches";

/** Single-quotes a value for a POSIX shell when it needs quoting. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The shell lines to paste, in order: one export line, then one command per line. */
export function keepCommands(kept: KeptEndpoints): { exportLine: string; commands: string[]; curl?: string } {
  const exportLine = `export ${Object.entries(kept.environment)
    .map(([key, value]) => `${key}=${shellQuote(value)}`)
    .join(" ")}`;
  const { table, rejectsTable, queueUrl } = kept.examples;
  const dynamodb = `--endpoint-url ${kept.dynamodbEndpoint}`;
  const sqs = `--endpoint-url ${kept.sqsEndpoint}`;
  const commands = [
    `aws dynamodb scan --table-name ${table} --select COUNT ${dynamodb}`,
    `aws dynamodb scan --table-name ${rejectsTable} ${dynamodb}`,
    `aws sqs list-queues ${sqs}`,
    `aws sqs get-queue-attributes --queue-url ${queueUrl} --attribute-names All ${sqs}`,
    `npm run cascade -- rejects --table ${rejectsTable} --endpoint ${kept.dynamodbEndpoint}`,
  ];
  const curl =
    kept.sourceToken === undefined
      ? undefined
      : `curl -H ${shellQuote(`Authorization: Bearer ${kept.sourceToken}`)} ${kept.sourceUrl}${CURL_EXAMPLE_PATH}`;
  return { exportLine, commands, curl };
}

export function keepMessage(kept: KeptEndpoints): string {
  const { exportLine, commands, curl } = keepCommands(kept);
  return [
    "",
    "The embedded AWS stays up until Ctrl-C. From another shell, with AWS CLI v1 or v2",
    "(v1 reads AWS_DEFAULT_REGION and needs --endpoint-url; v2 and the SDKs also read AWS_ENDPOINT_URL_<SERVICE>):",
    `  ${exportLine}`,
    ...commands.map((command) => `  ${command}`),
    "tables:",
    ...Object.entries(kept.tables).map(([logical, name]) => `  ${logical}: ${name}`),
    "queues:",
    ...Object.entries(kept.queues).map(([logical, url]) => `  ${logical}: ${url}`),
    `sample source: ${kept.sourceUrl}`,
    ...(curl === undefined
      ? ["  (no token: the plan has no source token parameter)"]
      : [`  bearer token: ${kept.sourceToken} (a local, fake one; the source answers 401 without it)`, `  ${curl}`]),
  ].join("\n");
}
