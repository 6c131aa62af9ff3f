/**
 * What AWS decides: the services' limits and the defaults they apply when a property is
 * left out, each written once with the page that documents it. The config spec, the
 * components, the local runtime (which stands in for the services) and the policy pack
 * read them from here, so a default we rely on cannot drift between those places.
 */

/**
 * Lambda function memory (MB) and timeout (s).
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
 */
export const LAMBDA_LIMITS = { memoryMb: { min: 128, max: 10240 }, timeoutSeconds: { min: 1, max: 900 } } as const;

/**
 * What Lambda uses when a function or its configuration leaves a value out.
 * - memory 128 MB, timeout 3 s: the pages above.
 * - a failed asynchronous invocation is retried twice:
 *   https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 */
export const LAMBDA_DEFAULTS = { memoryMb: 128, timeoutSeconds: 3, asyncMaxRetryAttempts: 2 } as const;

/**
 * An SQS event source mapping's defaults: batch size 10 and no batching window; a
 * maximum concurrency, when set, is at least 2.
 * https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
 * https://docs.aws.amazon.com/lambda/latest/api/API_ScalingConfig.html
 */
export const SQS_EVENT_SOURCE_DEFAULTS = { batchSize: 10, batchingWindowSeconds: 0, minMaximumConcurrency: 2 } as const;

/**
 * SQS: retention 60 s to 14 days, visibility timeout at most 12 hours, 30 s by default.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 */
export const SQS_LIMITS = { retentionSeconds: { min: 60, max: 1209600 }, visibilityTimeoutMaxSeconds: 43200 } as const;
export const SQS_DEFAULTS = { visibilityTimeoutSeconds: 30 } as const;

/**
 * The retention values CloudWatch Logs accepts.
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
