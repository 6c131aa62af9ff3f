/**
 * The AWS side of deploying cascading-etl without stored keys: trust policies for the
 * Pulumi Cloud and GitHub Actions OIDC tokens, and a permission policy covering what
 * `pulumi up` of cascading-etl manages, scoped to its names. Pure functions of plain
 * values, so every statement is tested exactly.
 */
import { ESM_QUEUE_ACTIONS, LOG_ACTIONS, SEND_ACTIONS, TABLE_ACTIONS, TOKEN_ACTIONS } from "../iam-documents";
import { PROJECT } from "./settings";

export const PULUMI_OIDC_HOST = "api.pulumi.com/oidc";
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
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
 * (audience) and for an update of one of the named stacks of this project. The token's
 * subject is pulumi:deploy:org:<org>:project:<project>:stack:<stack>:operation:<op>:scope:write,
 * <op> one of preview, update, refresh, destroy
 * (https://www.pulumi.com/docs/pulumi-cloud/deployments/oidc/): matching the whole
 * subject, not `stack:<stack>:*`, keeps a preview (of pull request code, say) from ever
 * getting these write credentials.
 */
export function pulumiTrustPolicy(providerArn: string, organization: string, stacks: readonly string[]): Document {
  return document({
    Sid: "PulumiDeployments",
    Effect: "Allow",
    Principal: { Federated: providerArn },
    Action: ["sts:AssumeRoleWithWebIdentity"],
    Condition: {
      StringEquals: {
        [`${PULUMI_OIDC_HOST}:aud`]: organization,
        [`${PULUMI_OIDC_HOST}:sub`]: stacks.map(
          (stack) => `pulumi:deploy:org:${organization}:project:${PROJECT}:stack:${stack}:operation:update:scope:write`,
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

/**
 * The permissions boundary every role cascading-etl creates must carry. The deploy
 * roles may create roles and write their inline policies, so without a boundary a
 * deployment could create a `cascading-etl-*` role with any permission and pass it to a
 * function it also deploys. A boundary caps what a role's policies can grant
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
 * Its name does not match `cascading-etl-*`, and the deploy roles may not touch policies.
 */
export const BOUNDARY_POLICY_NAME = "boundary-of-cascading-etl-roles";

export function boundaryPolicyArn(scope: Pick<Scope, "partition" | "accountId">): string {
  return `arn:${scope.partition}:iam::${scope.accountId}:policy/${BOUNDARY_POLICY_NAME}`;
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
  const boundary = boundaryPolicyArn(scope);
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
      // The provider's default tags reach a mapping through TagResource on the mapping's
      // own ARN, which carries no lambda:FunctionArn to scope it by.
      Sid: "TagEventSourceMappings",
      Effect: "Allow",
      Action: ["lambda:TagResource", "lambda:UntagResource", "lambda:ListTags"],
      Resource: r.eventSourceMappings,
    },
    {
      Sid: "Roles",
      Effect: "Allow",
      Action: [
        "iam:DeleteRole",
        "iam:GetRole",
        "iam:UpdateRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        "iam:GetRolePolicy",
        "iam:DeleteRolePolicy",
      ],
      Resource: r.roles,
    },
    {
      // iam:PermissionsBoundary is the boundary of the role being created or changed
      // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html):
      // a role can only be created, or get an inline policy, with exactly this boundary.
      // PutRolePermissionsBoundary sets it on roles created before the boundary existed.
      Sid: "RolesWithinBoundary",
      Effect: "Allow",
      Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"],
      Resource: r.roles,
      Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } },
    },
    {
      // Also denied, so no other policy attached to a deploy role can lift the rule. A
      // negated operator matches when the key is absent, i.e. a role without a boundary.
      Sid: "DenyRolesOutsideBoundary",
      Effect: "Deny",
      Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"],
      Resource: r.roles,
      Condition: { StringNotEquals: { "iam:PermissionsBoundary": boundary } },
    },
    {
      Sid: "DenyRemovingBoundary",
      Effect: "Deny",
      Action: ["iam:DeleteRolePermissionsBoundary"],
      Resource: r.roles,
    },
    {
      Sid: "DenyChangingBoundaryPolicy",
      Effect: "Deny",
      Action: ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
      Resource: [boundary],
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

/**
 * The boundary itself: the most any cascading-etl role may do, whatever its inline
 * policy says. The collectors' actions (the same constants their policies are built
 * from, infra/policies.ts) on cascading-etl's tables, queues, token parameters and log
 * groups, and the scheduler's invoke of cascading-etl's functions.
 */
export function boundaryPolicy(scope: Scope): Document {
  const r = arns(scope);
  return document(
    { Sid: "Tables", Effect: "Allow", Action: [...TABLE_ACTIONS], Resource: r.tables },
    {
      Sid: "Queues",
      Effect: "Allow",
      Action: [...new Set([...ESM_QUEUE_ACTIONS, ...SEND_ACTIONS])],
      Resource: r.queues,
    },
    { Sid: "SourceToken", Effect: "Allow", Action: [...TOKEN_ACTIONS], Resource: r.parameters },
    { Sid: "Logs", Effect: "Allow", Action: [...LOG_ACTIONS], Resource: r.logGroups.map((arn) => `${arn}:*`) },
    { Sid: "InvokeCollectors", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: r.functions },
  );
}
