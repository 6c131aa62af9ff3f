/** The reporting job's access, as a pure function of the table ARN so it is tested exactly. */

/** Reads only: no write, no delete, no stream, no table management. */
export const REPORTING_ACTIONS = [
  "dynamodb:BatchGetItem",
  "dynamodb:DescribeTable",
  "dynamodb:GetItem",
  "dynamodb:Query",
  "dynamodb:Scan",
] as const;

export function reportingReadPolicy(tableArn: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadSalesTable",
        Effect: "Allow",
        Action: [...REPORTING_ACTIONS],
        Resource: [tableArn, `${tableArn}/index/*`],
      },
    ],
  };
}
