/**
 * The AWS side of deploying cascading-etl without stored keys: trust policies for the
 * Pulumi Cloud and GitHub Actions OIDC tokens, and a permission policy covering what
 * `pulumi up` of cascading-etl manages, scoped to its names. Pure functions of plain
 * values, so every statement is tested exactly.
 */
import { PROJECT } from "./settings";

export const PULUMI_OIDC_HOST = "api.pulumi.com/oidc";
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

interface Statement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource?: string[];
  Principal?: { Federated: string };
  Condition?: Record<string, Record<string, string | string[]>>;
}
export interface Document {
  Version: "2012-10-17";
  Statement: Statement[];
}
const document = (...statements: Statement[]): Document => ({ Version: "2012-10-17", Statement: statements });

/**
 * Pulumi Deployments may assume the role only with a token for this organization
 * (audience) and for an operation on one of the named stacks of this project
 * (subject: pulumi:deploy:org:<org>:project:<project>:stack:<stack>:operation:<op>:scope:write).
 */
export function pulumiTrustPolicy(providerArn: string, organization: string, stacks: readonly string[]): Document {
  return document({
    Sid: "PulumiDeployments",
    Effect: "Allow",
    Principal: { Federated: providerArn },
    Action: ["sts:AssumeRoleWithWebIdentity"],
    Condition: {
      StringEquals: { [`${PULUMI_OIDC_HOST}:aud`]: organization },
      StringLike: {
        [`${PULUMI_OIDC_HOST}:sub`]: stacks.map(
          (stack) => `pulumi:deploy:org:${organization}:project:${PROJECT}:stack:${stack}:*`,
        ),
      },
    },
  });
}

/**
 * GitHub Actions may assume a role only from this repository, and only in the context
 * named by `subject`: "pull_request" for previews, "environment:prod" for deployments.
 */
export function githubTrustPolicy(providerArn: string, repository: string, subject: string): Document {
  return document({
    Sid: "GitHubActions",
    Effect: "Allow",
    Principal: { Federated: providerArn },
    Action: ["sts:AssumeRoleWithWebIdentity"],
    Condition: {
      StringEquals: {
        [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com",
        [`${GITHUB_OIDC_HOST}:sub`]: `repo:${repository}:${subject}`,
      },
    },
  });
}

export interface Scope {
  partition: string;
  accountId: string;
  regions: readonly string[];
}

/** Every resource cascading-etl creates is named from the project name (infra/pipeline.ts, infra/naming.ts). */
function arns(scope: Scope) {
  const regional = (service: string, resource: string) =>
    scope.regions.map((region) => `arn:${scope.partition}:${service}:${region}:${scope.accountId}:${resource}`);
  return {
    tables: [...regional("dynamodb", `table/${PROJECT}-*`)],
    queues: regional("sqs", `${PROJECT}-*`),
    functions: regional("lambda", `function:${PROJECT}-*`),
    eventSourceMappings: regional("lambda", "event-source-mapping:*"),
    roles: [`arn:${scope.partition}:iam::${scope.accountId}:role/${PROJECT}-*`],
    logGroups: regional("logs", `log-group:/${PROJECT}/*`),
    allLogGroups: regional("logs", "log-group:*"),
    schedules: regional("scheduler", `schedule/default/${PROJECT}-*`),
    topics: regional("sns", `${PROJECT}-*`),
    alarms: regional("cloudwatch", `alarm:${PROJECT}-*`),
    dashboards: [`arn:${scope.partition}:cloudwatch::${scope.accountId}:dashboard/${PROJECT}-*`],
    parameters: regional("ssm", `parameter/${PROJECT}/*`),
  };
}

/** What `pulumi up` (and destroy, refresh) of cascading-etl calls, on cascading-etl's resources only. */
export function deployPolicy(scope: Scope): Document {
  const r = arns(scope);
  return document(
    {
      Sid: "Tables",
      Effect: "Allow",
      Action: [
        "dynamodb:CreateTable",
        "dynamodb:DeleteTable",
        "dynamodb:UpdateTable",
        "dynamodb:Describe*",
        "dynamodb:List*",
        "dynamodb:UpdateContinuousBackups",
        "dynamodb:UpdateTimeToLive",
        "dynamodb:TagResource",
        "dynamodb:UntagResource",
      ],
      Resource: r.tables,
    },
    {
      Sid: "Queues",
      Effect: "Allow",
      Action: [
        "sqs:CreateQueue",
        "sqs:DeleteQueue",
        "sqs:GetQueueAttributes",
        "sqs:SetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ListQueueTags",
        "sqs:TagQueue",
        "sqs:UntagQueue",
      ],
      Resource: r.queues,
    },
    {
      Sid: "Functions",
      Effect: "Allow",
      Action: [
        "lambda:CreateFunction",
        "lambda:DeleteFunction",
        "lambda:Get*",
        "lambda:List*",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
        "lambda:PutFunctionEventInvokeConfig",
        "lambda:UpdateFunctionEventInvokeConfig",
        "lambda:DeleteFunctionEventInvokeConfig",
        "lambda:TagResource",
        "lambda:UntagResource",
      ],
      Resource: r.functions,
    },
    {
      // Event source mappings have generated ids, so they are scoped by the function they feed.
      Sid: "EventSourceMappings",
      Effect: "Allow",
      Action: [
        "lambda:CreateEventSourceMapping",
        "lambda:GetEventSourceMapping",
        "lambda:UpdateEventSourceMapping",
        "lambda:DeleteEventSourceMapping",
      ],
      Resource: ["*"],
      Condition: { ArnLike: { "lambda:FunctionArn": r.functions } },
    },
    {
      Sid: "Roles",
      Effect: "Allow",
      Action: [
        "iam:CreateRole",
        "iam:DeleteRole",
        "iam:GetRole",
        "iam:UpdateRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:PutRolePolicy",
        "iam:GetRolePolicy",
        "iam:DeleteRolePolicy",
      ],
      Resource: r.roles,
    },
    {
      Sid: "PassRolesToLambdaAndScheduler",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: r.roles,
      Condition: { StringEquals: { "iam:PassedToService": ["lambda.amazonaws.com", "scheduler.amazonaws.com"] } },
    },
    {
      Sid: "LogGroups",
      Effect: "Allow",
      Action: [
        "logs:CreateLogGroup",
        "logs:DeleteLogGroup",
        "logs:PutRetentionPolicy",
        "logs:DeleteRetentionPolicy",
        "logs:TagResource",
        "logs:UntagResource",
        "logs:ListTagsForResource",
      ],
      Resource: r.logGroups,
    },
    { Sid: "FindLogGroups", Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: r.allLogGroups },
    {
      Sid: "Schedules",
      Effect: "Allow",
      Action: [
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:GetSchedule",
      ],
      Resource: r.schedules,
    },
    {
      Sid: "AlarmTopic",
      Effect: "Allow",
      Action: [
        "sns:CreateTopic",
        "sns:DeleteTopic",
        "sns:GetTopicAttributes",
        "sns:SetTopicAttributes",
        "sns:Subscribe",
        "sns:Unsubscribe",
        "sns:GetSubscriptionAttributes",
        "sns:SetSubscriptionAttributes",
        "sns:ListSubscriptionsByTopic",
        "sns:TagResource",
        "sns:UntagResource",
        "sns:ListTagsForResource",
      ],
      Resource: r.topics,
    },
    {
      Sid: "Alarms",
      Effect: "Allow",
      Action: [
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:DescribeAlarms",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
        "cloudwatch:ListTagsForResource",
      ],
      Resource: r.alarms,
    },
    {
      Sid: "Dashboard",
      Effect: "Allow",
      Action: ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"],
      Resource: r.dashboards,
    },
    {
      Sid: "SourceTokenParameter",
      Effect: "Allow",
      Action: [
        "ssm:PutParameter",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:DeleteParameter",
        "ssm:AddTagsToResource",
        "ssm:RemoveTagsFromResource",
        "ssm:ListTagsForResource",
      ],
      Resource: r.parameters,
    },
    // The provider reads a parameter's metadata through DescribeParameters, which IAM only authorises on "*".
    { Sid: "DescribeParameters", Effect: "Allow", Action: ["ssm:DescribeParameters"], Resource: ["*"] },
  );
}

/** What a `pulumi preview` with refresh reads: metadata only, no secret values, no writes. */
export function previewPolicy(scope: Scope): Document {
  const r = arns(scope);
  return document(
    {
      Sid: "ReadTables",
      Effect: "Allow",
      Action: ["dynamodb:Describe*", "dynamodb:ListTagsOfResource"],
      Resource: r.tables,
    },
    {
      Sid: "ReadQueues",
      Effect: "Allow",
      Action: ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags"],
      Resource: r.queues,
    },
    {
      Sid: "ReadFunctions",
      Effect: "Allow",
      Action: [
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:GetFunctionEventInvokeConfig",
        "lambda:GetFunctionCodeSigningConfig",
        "lambda:ListVersionsByFunction",
        "lambda:ListTags",
        "lambda:GetPolicy",
      ],
      Resource: r.functions,
    },
    {
      Sid: "ReadEventSourceMappings",
      Effect: "Allow",
      Action: ["lambda:GetEventSourceMapping"],
      Resource: ["*"],
      Condition: { ArnLike: { "lambda:FunctionArn": r.functions } },
    },
    {
      Sid: "ReadRoles",
      Effect: "Allow",
      Action: ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"],
      Resource: r.roles,
    },
    {
      Sid: "ReadLogGroups",
      Effect: "Allow",
      Action: ["logs:DescribeLogGroups", "logs:ListTagsForResource"],
      Resource: r.allLogGroups,
    },
    { Sid: "ReadSchedules", Effect: "Allow", Action: ["scheduler:GetSchedule"], Resource: r.schedules },
    {
      Sid: "ReadAlarmTopic",
      Effect: "Allow",
      Action: [
        "sns:GetTopicAttributes",
        "sns:GetSubscriptionAttributes",
        "sns:ListSubscriptionsByTopic",
        "sns:ListTagsForResource",
      ],
      Resource: r.topics,
    },
    {
      Sid: "ReadAlarms",
      Effect: "Allow",
      Action: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
      Resource: r.alarms,
    },
    { Sid: "ReadDashboard", Effect: "Allow", Action: ["cloudwatch:GetDashboard"], Resource: r.dashboards },
    { Sid: "DescribeParameters", Effect: "Allow", Action: ["ssm:DescribeParameters"], Resource: ["*"] },
  );
}
