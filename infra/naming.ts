/**
 * Names, ARNs and thresholds derived from config: pure, so tests and a policy pack can
 * compute the same values the program does.
 */

/** Log groups are named by the program (not by Lambda) so the role can be scoped to them before the function exists. */
export function logGroupName(project: string, stack: string, stage: string): string {
  return `/${project}/${stack}/${stage}`;
}

/**
 * The CloudWatch dashboard of a stack. Dashboards are global to the account (not per
 * region) and PutDashboard overwrites a dashboard of the same name, so the name carries
 * project and stack: dev and prod in one account keep one dashboard each. DashboardName
 * allows at most 255 characters from A-Z, a-z, 0-9, "-" and "_"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html);
 * a stack name may also hold ".", which becomes "-".
 */
export function dashboardName(project: string, stack: string): string {
  return `${project}-${stack}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 255);
}

/** A name PutDashboard accepts, as above. */
export const DASHBOARD_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** The SSM parameter holding the source token. */
export function tokenParameterName(project: string, stack: string): string {
  return `/${project}/${stack}/source-api-token`;
}

export interface AccountContext {
  partition: string;
  region: string;
  accountId: string;
}

/** The partition from any ARN (e.g. the caller identity's). */
export function partitionOf(arn: string): string {
  return arn.split(":")[1] ?? "aws";
}

export function logGroupArn(ctx: AccountContext, name: string): string {
  return `arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:log-group:${name}`;
}

/** Parameter ARNs drop the leading slash of a path-style name. */
export function ssmParameterArn(ctx: AccountContext, name: string): string {
  return `arn:${ctx.partition}:ssm:${ctx.region}:${ctx.accountId}:parameter/${name.replace(/^\//, "")}`;
}

/**
 * The Duration alarm's threshold in milliseconds: a set share of the timeout, so the
 * alarm fires while the function is still finishing, before timeouts turn into errors.
 */
export function durationThresholdMs(timeoutSeconds: number, percent: number): number {
  return Math.round(timeoutSeconds * 1000 * (percent / 100));
}

/** An SQS queue's name is the last field of its ARN (arn:aws:sqs:<region>:<account>:<name>). */
export function queueNameOfArn(arn: string): string {
  return arn.split(":").slice(5).join(":");
}

/** The region and account fields of an ARN; IAM ARNs have an empty region. */
export function arnLocation(arn: string): { region: string; accountId: string } {
  const [, , , region = "", accountId = ""] = arn.split(":");
  return { region, accountId };
}
