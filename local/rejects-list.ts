/**
 * Lists the rejects table (docs/design.md, "Rejects"): which source records were refused, by which
 * stage, and why. Queries one stage's partition when a stage is named, scans otherwise.
 */
import { QueryCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { REJECT_ATTRIBUTES, TABLE_KEYS } from "../functions/lib/contract";
import { plural } from "./plural";

export interface RejectRow {
  stage: string;
  /** The record's id: the key, or the whole id kept beside a hashed key (REJECT_ATTRIBUTES.recordId). */
  sourceId: string;
  /** The rejects table's sort key, which is a hash of the id when DynamoDB could not key on the id. */
  key: string;
  reason: string;
  detail: string;
  runId: string;
  rejectedAt: string;
}

function toRow(item: Record<string, AttributeValue>): RejectRow {
  const text = (name: string) => item[name]?.S ?? "";
  const key = text(TABLE_KEYS.rejects.rangeKey);
  const recordId = item[REJECT_ATTRIBUTES.recordId]?.S;
  return {
    stage: text(TABLE_KEYS.rejects.hashKey),
    sourceId: recordId === undefined ? key : (JSON.parse(recordId) as string),
    key,
    reason: text(REJECT_ATTRIBUTES.reason),
    detail: text(REJECT_ATTRIBUTES.detail),
    runId: text(REJECT_ATTRIBUTES.runId),
    rejectedAt: text(REJECT_ATTRIBUTES.rejectedAt),
  };
}

export async function listRejects(dynamodb: DynamoDBClient, tableName: string, stage?: string): Promise<RejectRow[]> {
  const rows: RejectRow[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = stage
      ? await dynamodb.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: "#stage = :stage",
            ExpressionAttributeNames: { "#stage": TABLE_KEYS.rejects.hashKey },
            ExpressionAttributeValues: { ":stage": { S: stage } },
            ExclusiveStartKey: startKey,
          }),
        )
      : await dynamodb.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
    rows.push(...(page.Items ?? []).map(toRow));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return rows.sort((a, b) => a.stage.localeCompare(b.stage) || a.sourceId.localeCompare(b.sourceId));
}

const clip = (text: string, max = 60): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function formatRejects(rows: readonly RejectRow[]): string {
  if (rows.length === 0) return "no rejects";
  const header = ["stage", "source id", "reason", "rejected at", "detail"];
  const cells = rows.map((row) => [
    row.stage,
    // JSON text shows what a terminal would not: padding, lone surrogates; long ids are cut.
    clip(row.sourceId === row.key ? row.sourceId : JSON.stringify(row.sourceId)),
    row.reason,
    row.rejectedAt,
    row.detail.length > 80 ? `${row.detail.slice(0, 79)}…` : row.detail,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column].length)));
  const line = (values: string[]) =>
    values.map((value, column) => (column === values.length - 1 ? value : value.padEnd(widths[column]))).join("  ");
  return [line(header), ...cells.map(line), plural(rows.length, "reject")].join("\n");
}
