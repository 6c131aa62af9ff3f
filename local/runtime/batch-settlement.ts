/**
 * What an SQS event source mapping does with a batch once the function returns, as
 * documented for Lambda's partial batch responses: with ReportBatchItemFailures, only
 * the reported messages go back to the queue, unless the response is malformed, in which
 * case the whole batch does; without it, any error returns the whole batch.
 */
export interface BatchResponse {
  batchItemFailures?: Array<{ itemIdentifier?: unknown }>;
}

export interface Settlement {
  /** Message ids to delete from the queue (processed). */
  remove: string[];
  /** Message ids to leave on the queue, to be received again (and redriven). */
  retry: string[];
}

export function settleBatch(
  messageIds: readonly string[],
  invocation: { ok: boolean; result?: unknown },
  reportBatchItemFailures: boolean,
): Settlement {
  const all = { remove: [], retry: [...messageIds] };
  if (!invocation.ok) return all;
  if (!reportBatchItemFailures) return { remove: [...messageIds], retry: [] };

  const response = invocation.result as BatchResponse | null | undefined;
  if (response === null || response === undefined || typeof response !== "object")
    return { remove: [...messageIds], retry: [] };
  const failures = response.batchItemFailures;
  if (failures === undefined || failures === null) return { remove: [...messageIds], retry: [] };
  if (!Array.isArray(failures)) return all;

  const inBatch = new Set(messageIds);
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = failure?.itemIdentifier;
    // An empty, null or unknown identifier makes Lambda treat the whole batch as failed.
    if (typeof id !== "string" || id.length === 0 || !inBatch.has(id)) return all;
    failed.add(id);
  }
  return { remove: messageIds.filter((id) => !failed.has(id)), retry: messageIds.filter((id) => failed.has(id)) };
}
