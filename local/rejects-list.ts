/**
 * Lists the rejects table (docs/design.md, "Rejects"): which source records were refused, by which
 * stage, and why. Queries one stage's partition when a stage is named, scans otherwise.
 */
import { QueryCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { REJECT_ATTRIBUTES, TABLE_KEYS } from "../functions/lib/contract";
import { plural } from "./plural";

export interface RejectRow {
  stage: string;
  sourceId: string;
  reason: string;
  detail: string;
  runId: string;
  rejectedAt: string;
}

function toRow(item: Record<string, AttributeValue>): RejectRow {
  const text = (name: string) => item[name]?.S ?? "";
  return {
    stage: text(TABLE_KEYS.rejects.hashKey),
    sourceId: text(TABLE_KEYS.rejects.rangeKey),
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

export function formatRejects(rows: readonly RejectRow[]): string {
  if (rows.length === 0) return "no rejects";
  const header = ["stage", "source id", "reason", "rejected at", "detail"];
  const cells = rows.map((row) => [
    row.stage,
    row.sourceId,
    row.reason,
    row.rejectedAt,
    row.detail.length > 80 ? `${row.detail.slice(0, 79)}…` : row.detail,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column].length)));
  const line = (values: string[]) =>
    values.map((value, column) => (column === values.length - 1 ? value : value.padEnd(widths[column]))).join("  ");
  return [line(header), ...cells.map(line), plural(rows.length, "reject")].join("\n");
}
