/**
 * Handing an SQS message back to its queue for a given time: ChangeMessageVisibility on
 * the receipt handle, so SQS delivers it again only after that long. Used when the source
 * asks for a Retry-After longer than the invocation can wait; the handler also reports
 * the message as a batch item failure so Lambda does not delete it.
 */
import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";

/**
 * SQS's longest visibility timeout, 12 hours
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html).
 */
export const MAX_VISIBILITY_SECONDS = 43_200;

/** Whole seconds to hide a message for, at least 1 and at most SQS's maximum. */
export function visibilitySeconds(delayMs: number): number {
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, Math.ceil(delayMs / 1000)));
}

/** arn:aws:sqs:<region>:<account>:<name> to its parts. */
export function queueOfArn(arn: string): { name: string; account: string } {
  const parts = arn.split(":");
  if (parts.length !== 6 || parts[2] !== "sqs") throw new Error(`not an SQS queue ARN: ${arn}`);
  return { account: parts[4], name: parts[5] };
}

export class MessageHandBack {
  private readonly urls = new Map<string, Promise<string>>();
  constructor(private readonly sqs: Pick<SQSClient, "send">) {}

  async handBack(record: SQSRecord, delayMs: number): Promise<number> {
    const seconds = visibilitySeconds(delayMs);
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: await this.queueUrl(record.eventSourceARN),
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
    return seconds;
  }

  private queueUrl(arn: string): Promise<string> {
    let url = this.urls.get(arn);
    if (!url) {
      const { name, account } = queueOfArn(arn);
      url = this.sqs
        .send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }))
        .then((out) => out.QueueUrl ?? Promise.reject(new Error(`no URL for queue ${arn}`)));
      // A failed look-up is not cached: the next message asks again.
      url.catch(() => this.urls.delete(arn));
      this.urls.set(arn, url);
    }
    return url;
  }
}
