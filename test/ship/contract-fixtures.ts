/** Valid stack outputs under the contract (DESIGN.md §3), as a real stack would export them. */
import type { PipelineOutputs, SharedOutputs } from "../../infra/contract";

const ACCOUNT = "123456789012";
const REGION = "eu-central-1";
const table = (name: string) => ({ name, arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}` });
const queue = (name: string) => ({
  url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`,
  arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
  dlqUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}-dlq`,
  dlqArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}-dlq`,
});
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const fn = (name: string) => ({ name, arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}` });

export function sharedOutputs(): SharedOutputs {
  return {
    tables: { branches: table("branches-1a2b3c4"), salespersons: table("salespersons-1a2b3c4"), sales: table("sales-1a2b3c4"), rejects: table("rejects-1a2b3c4") },
    queues: { employee: queue("employee-1a2b3c4"), sale: queue("sale-1a2b3c4") },
    roles: { branches: role("branches-1a2b3c4"), salespersons: role("salespersons-1a2b3c4"), sales: role("sales-1a2b3c4") },
  };
}

export function pipelineOutputs(): PipelineOutputs {
  return {
    ...sharedOutputs(),
    functions: { branches: fn("branches-1a2b3c4"), salespersons: fn("salespersons-1a2b3c4"), sales: fn("sales-1a2b3c4") },
    alarmTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:alarms-1a2b3c4`,
  };
}
