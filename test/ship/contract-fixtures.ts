/** Valid stack outputs under the contract (docs/design.md, "Stack outputs"), as a real stack would export them. */
import type { PipelineOutputs, SharedOutputs } from "../../infra/contract";

export const FIXTURE_ACCOUNT = "123456789012";
export const FIXTURE_REGION = "eu-central-1";
/** The pipeline stack the fixture's shared part serves: its roles write to this stack's log groups. */
export const FIXTURE_PIPELINE_STACK = "prod";

const ACCOUNT = FIXTURE_ACCOUNT;
const REGION = FIXTURE_REGION;
const table = (name: string) => ({ name, arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}` });
const queue = (name: string) => ({
  url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`,
  arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
});
const stageQueue = (name: string, visibilityTimeoutSeconds: number) => ({
  ...queue(name),
  dlqUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}-dlq`,
  dlqArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}-dlq`,
  visibilityTimeoutSeconds,
});
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const fn = (name: string) => ({ name, arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}` });
const logGroup = (stage: string) => `/cascading-etl/${FIXTURE_PIPELINE_STACK}/${stage}`;

export function sharedOutputs(): SharedOutputs {
  return {
    tables: {
      branches: table("branches-1a2b3c4"),
      salespersons: table("salespersons-1a2b3c4"),
      sales: table("sales-1a2b3c4"),
      rejects: table("rejects-1a2b3c4"),
    },
    // Visibility as the defaults give it: 6 x the consumer's timeout (60 s, 120 s).
    queues: {
      employee: stageQueue("employee-1a2b3c4", 360),
      sale: stageQueue("sale-1a2b3c4", 720),
      schedule: queue("schedule-dlq-1a2b3c4"),
    },
    roles: {
      branches: role("branches-1a2b3c4"),
      salespersons: role("salespersons-1a2b3c4"),
      sales: role("sales-1a2b3c4"),
    },
    logGroups: { branches: logGroup("branches"), salespersons: logGroup("salespersons"), sales: logGroup("sales") },
  };
}

export function pipelineOutputs(): PipelineOutputs {
  return {
    ...sharedOutputs(),
    functions: {
      branches: fn("branches-1a2b3c4"),
      salespersons: fn("salespersons-1a2b3c4"),
      sales: fn("sales-1a2b3c4"),
    },
    alarmTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:alarms-1a2b3c4`,
  };
}
