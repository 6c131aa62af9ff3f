/**
 * Reading IAM policy documents the way IAM does: a document may arrive as JSON text
 * or an object, `Statement` as one object or a list, `Action`/`Resource` as a string
 * or a list. Pure, so the wildcard rule is tested on plain documents.
 */

export interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** The statements of a document, or undefined when it is not (yet) known, e.g. an unresolved output in a preview. */
export function statementsOf(document: unknown): Statement[] | undefined {
  let parsed = document;
  if (typeof document === "string") {
    try {
      parsed = JSON.parse(document);
    } catch {
      return undefined;
    }
  }
  if (parsed === null || typeof parsed !== "object") return undefined;
  const statement = (parsed as { Statement?: Statement | Statement[] }).Statement;
  if (statement === undefined) return [];
  return Array.isArray(statement) ? statement : [statement];
}

/** `*`, `*:*` or `service:*`: an action that grants a whole service or everything. */
export function isWildcardAction(action: string): boolean {
  return action === "*" || /^[^:]+:\*$/.test(action);
}

/**
 * Actions that AWS only authorises on `"Resource": "*"`, each with the condition key
 * that must narrow it instead. An empty key list means no condition is needed because
 * the action has no resource to scope (X-Ray trace upload).
 */
export const STAR_RESOURCE_EXCEPTIONS: Record<string, readonly string[]> = {
  "cloudwatch:PutMetricData": ["cloudwatch:namespace"],
  "xray:PutTraceSegments": [],
  "xray:PutTelemetryRecords": [],
};

function conditionKeys(statement: Statement): string[] {
  return Object.values(statement.Condition ?? {}).flatMap((operator) => Object.keys(operator ?? {}));
}

/** Whether a `"Resource": "*"` statement is one of the allowed exceptions, with its condition. */
function isAllowedStarResource(statement: Statement): boolean {
  const actions = list(statement.Action);
  if (actions.length === 0) return false;
  const keys = conditionKeys(statement);
  return actions.every((action) => {
    const required = STAR_RESOURCE_EXCEPTIONS[action];
    return required !== undefined && required.every((key) => keys.includes(key));
  });
}

/** Every wildcard an Allow statement of the document grants, each as one sentence. */
export function wildcardProblems(document: unknown): string[] {
  const problems: string[] = [];
  for (const [index, statement] of (statementsOf(document) ?? []).entries()) {
    if (statement.Effect !== "Allow") continue;
    const name = statement.Sid ? `statement ${statement.Sid}` : `statement ${index}`;
    for (const action of list(statement.Action).filter(isWildcardAction))
      problems.push(`${name} allows the wildcard action "${action}"`);
    if (statement.NotAction !== undefined)
      problems.push(`${name} allows every action but ${JSON.stringify(statement.NotAction)} (NotAction)`);
    if (statement.NotResource !== undefined)
      problems.push(`${name} applies to every resource but ${JSON.stringify(statement.NotResource)} (NotResource)`);
    if (list(statement.Resource).includes("*") && !isAllowedStarResource(statement))
      problems.push(`${name} applies to every resource ("*")`);
  }
  return problems;
}

/** Whether the document denies every request to its resource made without TLS. */
export function deniesInsecureTransport(document: unknown): boolean {
  return (statementsOf(document) ?? []).some((statement) => {
    if (statement.Effect !== "Deny") return false;
    const principal = statement.Principal;
    const everyone =
      principal === "*" ||
      (typeof principal === "object" &&
        principal !== null &&
        list((principal as { AWS?: string | string[] }).AWS).includes("*"));
    const allActions = list(statement.Action).some((action) => action === "*" || action === "sqs:*");
    const bool = statement.Condition?.Bool as Record<string, unknown> | undefined;
    return everyone && allActions && String(bool?.["aws:SecureTransport"]) === "false";
  });
}

/** A managed policy that grants a whole service or everything. */
export function isFullAccessManagedPolicy(policyArn: string): boolean {
  return /FullAccess$|\/AdministratorAccess$|\/PowerUserAccess$/.test(policyArn);
}
