/**
 * Reads what a run left behind: the source id of every item in each table, the rejects,
 * and what the dead-letter queues hold, without consuming any of it.
 */
import { ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import { peekMessages } from "../ops/peek";

export async function scanAttribute(
  dynamodb: DynamoDBClient,
  tableName: string,
  attributes: string[],
): Promise<Array<Record<string, string>>> {
  const items: Array<Record<string, string>> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: attributes.map((_, index) => `#a${index}`).join(", "),
        ExpressionAttributeNames: Object.fromEntries(attributes.map((name, index) => [`#a${index}`, name])),
        ExclusiveStartKey: startKey as never,
      }),
    );
    for (const item of page.Items ?? [])
      items.push(Object.fromEntries(attributes.map((name) => [name, item[name]?.S ?? item[name]?.N ?? ""])));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/**
 * Messages on an embedded queue that are not yet deleted: waiting, in flight or delayed.
 * local-aws-sqs counts in-flight messages in ApproximateNumberOfMessages as well (AWS
 * counts only visible ones; a test pins the difference), so that number already holds
 * the in-flight ones and adding ApproximateNumberOfMessagesNotVisible would count them twice.
 */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/**
 * Every message on a dead-letter queue, left there (local/ops/peek.ts says what SQS allows).
 * No long poll: the census runs once the cascade is quiet, so what is there is visible now.
 */
export async function peekAll(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  return peekMessages(sqs, queueUrl, { waitSeconds: 0 });
}

/** A message body as JSON, or undefined when it is not. */
export function parseBody(message: Message): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(message.Body ?? "") as unknown;
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
