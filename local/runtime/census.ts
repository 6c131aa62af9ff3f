/**
 * Reads what a run left behind: the source id of every item in each table, the rejects,
 * and what the dead-letter queues hold, without consuming any of it.
 */
import { ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { chunk } from "../../functions/lib/chunk";

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
 * Every message on a queue, left there: each is hidden while the census reads on, then
 * made visible again. Meant for dead-letter queues, which have no redrive of their own.
 */
export async function peekAll(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const seen = new Map<string, Message>();
  for (;;) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 30,
      }),
    );
    const fresh = (Messages ?? []).filter((message) => !seen.has(message.MessageId ?? ""));
    if (fresh.length === 0) break;
    for (const message of fresh) seen.set(message.MessageId ?? "", message);
  }
  const messages = [...seen.values()];
  for (const part of chunk(messages, 10)) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: part.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
  return messages;
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
