import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { REJECTS_KEYS, REJECTS_TABLE, REJECTS_TTL_ATTRIBUTE } from "../functions/lib/contract";
import { STAGE_TABLE, type KeySchema, type StageTable } from "../functions/lib/stages";
import type { AdoptedTables } from "./config";
import { CONFIG_DEFAULTS } from "./config-spec";

/** Every table of a stage table, each stage's and the rejects table, in that order. */
export function tableKeysOf(stages: StageTable): Record<string, KeySchema> {
  return { ...Object.fromEntries(stages.map((stage) => [stage.name, stage.table])), [REJECTS_TABLE]: REJECTS_KEYS };
}

export const TABLE_KINDS = Object.keys(tableKeysOf(STAGE_TABLE));

/**
 * Where the tables were first registered: this component type, named from the project
 * `cascading-etl`. A table's URN is made of the stack, the project, the parent chain's
 * types and its own name; when any of those parts changes, Pulumi would create a new,
 * empty table and delete the old one, unless the table carries an alias with the old
 * parts (https://www.pulumi.com/docs/iac/concepts/options/aliases/). A renamed project
 * (after `pulumi stack rename <org>/<new-project>/<stack>`, which rewrites the URNs'
 * project) or a renamed component type keeps its tables through these aliases. A move
 * to split mode needs none: the shared stack registers the same component under the
 * same name, so `pulumi state move` hands the tables over with their URNs intact.
 */
export const FIRST_REGISTRATION = { type: "cascading-etl:index:Tables", name: "cascading-etl-tables" } as const;
export const TABLES_TYPE: string = FIRST_REGISTRATION.type;

/**
 * The alias a table needs to keep its first URN: none while the component still has its
 * first type and name (an alias naming the resource's own URN is no alias), otherwise
 * the first name under the first component, in the current stack and project.
 */
export function tableAliases(componentName: string, kind: string): pulumi.Alias[] {
  if (componentName === FIRST_REGISTRATION.name && TABLES_TYPE === FIRST_REGISTRATION.type) return [];
  return [
    {
      name: `${FIRST_REGISTRATION.name}-${kind}`,
      type: "aws:dynamodb/table:Table",
      parent: pulumi.createUrn(FIRST_REGISTRATION.name, FIRST_REGISTRATION.type),
    },
  ];
}

export interface TablesArgs {
  /**
   * Every table to create with its key schema, by name: each stage's and the rejects table.
   * @default tableKeysOf(STAGE_TABLE)
   */
  readonly keys?: Readonly<Record<string, KeySchema>>;
  /**
   * Point-in-time recovery on every table.
   * @default the `pointInTimeRecovery` config key's default (CONFIG_DEFAULTS)
   */
  readonly pointInTimeRecovery?: pulumi.Input<boolean>;
  /**
   * Deletion protection on every table: `pulumi destroy` and console deletes fail until it is turned off.
   * @default the `deletionProtection` config key's default (CONFIG_DEFAULTS)
   */
  readonly deletionProtection?: pulumi.Input<boolean>;
  /**
   * Existing stage tables to take over (imported, protected, under their own names) instead
   * of creating new ones. The rejects table is always created here.
   */
  readonly adopt?: AdoptedTables;
  /**
   * Pulumi's own guards on every table: `protect` (the engine refuses to delete or
   * replace it, so a key change or a dropped component fails the update instead of
   * emptying the data) and `retainOnDelete` (should the table ever be deleted from the
   * stack, it stays in AWS). A resource option, so a plain boolean, not an Input.
   * @default false
   */
  readonly retain?: boolean;
}

export interface TableRef {
  name: pulumi.Output<string>;
  arn: pulumi.Output<string>;
  streamArn: pulumi.Output<string>;
}

/**
 * One table per stage of the cascade and the rejects table (docs/design.md, "The cascade" and "Rejects"):
 * on-demand, encrypted, streaming new images so downstream consumers can follow
 * changes; rejects expire through DynamoDB TTL. The stage tables may instead be existing
 * ones taken over (`adopt`), e.g. those of the original CloudFormation pipeline.
 */
export class Tables extends pulumi.ComponentResource {
  public readonly tables: Record<string, TableRef>;

  constructor(name: string, args: TablesArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    // Every argument is optional and the adopted names are checked with the stack's
    // config: nothing to check before building.
    const renamed = name !== FIRST_REGISTRATION.name || TABLES_TYPE !== FIRST_REGISTRATION.type;
    const aliases = renamed ? [{ name: FIRST_REGISTRATION.name, type: FIRST_REGISTRATION.type }] : [];
    super(TABLES_TYPE, name, args, { ...opts, aliases: [...(opts?.aliases ?? []), ...aliases] });

    const tables: Record<string, TableRef> = {};
    for (const [kind, keys] of Object.entries(args.keys ?? tableKeysOf(STAGE_TABLE)))
      tables[kind] = buildTable(this, name, kind, keys, args);
    this.tables = tables;

    this.registerOutputs({ tables: this.tables });
  }
}

/**
 * One table of the component `componentName`: created here, or an existing stage table
 * taken over (imported and protected); aliased to its first URN and guarded as `retain` says.
 */
function buildTable(
  parent: pulumi.Resource,
  componentName: string,
  kind: string,
  keys: KeySchema,
  args: TablesArgs,
): TableRef {
  const retain = args.retain ?? false;
  // Only stage tables the adopt settings name are taken over; the rejects table is always ours.
  const adoptedName = kind === REJECTS_TABLE ? undefined : (args.adopt?.names as Record<string, string>)?.[kind];
  const adopted = args.adopt && adoptedName !== undefined ? { name: adoptedName, phase: args.adopt.phase } : undefined;
  const table = new aws.dynamodb.Table(`${componentName}-${kind}`, tableArgs(kind, keys, args, adopted), {
    parent,
    // `import` may stay after the import: a table already in state under this ID is
    // then managed like any other (pulumi/pulumi developer-docs/architecture/import.md).
    ...(adopted ? { import: adopted.name } : {}),
    // Data another pipeline filled is never ours to delete or replace.
    protect: adopted !== undefined || retain,
    retainOnDelete: retain,
    aliases: tableAliases(componentName, kind),
  });
  return { name: table.name, arn: table.arn, streamArn: table.streamArn };
}

/**
 * A table's inputs. Ours get every setting. An adopted table in the `import` phase gets
 * exactly what the original CloudFormation template set (test/infra/fixtures/original-tables.yaml),
 * because the engine fails an import whose inputs differ from the table as it is
 * (pulumi/pulumi developer-docs/architecture/import.md, "`import` resource option"). That is
 * empty here because the AWS provider (terraform-provider-aws internal/service/dynamodb/table.go)
 * declares `server_side_encryption`, `point_in_time_recovery` and `ttl` Optional+Computed and
 * clears a disabled-to-disabled SSE/PITR diff, and `deletion_protection_enabled` is an
 * Optional bool whose zero value is the original's (off). In the `secure` phase the same
 * three are added; none of them is ForceNew there (unlike `name`, `hash_key`, `range_key`),
 * so they are updated in place (UpdateTable, UpdateContinuousBackups) and the data stays.
 */
function tableArgs(
  kind: string,
  keys: KeySchema,
  args: TablesArgs,
  adopted: { name: string; phase: AdoptedTables["phase"] } | undefined,
): aws.dynamodb.TableArgs {
  const definition: aws.dynamodb.TableArgs = {
    billingMode: "PAY_PER_REQUEST",
    hashKey: keys.hashKey,
    rangeKey: keys.rangeKey,
    attributes: [keys.hashKey, ...(keys.rangeKey ? [keys.rangeKey] : [])].map((attribute) => ({
      name: attribute,
      type: "S",
    })),
    streamEnabled: true,
    streamViewType: "NEW_IMAGE",
  };
  if (adopted?.phase === "import") return { ...definition, name: adopted.name };
  return {
    ...definition,
    ...(adopted ? { name: adopted.name } : {}),
    // Encryption at rest with the AWS owned key is always on; `enabled` switches to the
    // AWS managed KMS key, whose use is logged in CloudTrail.
    serverSideEncryption: { enabled: true },
    pointInTimeRecovery: { enabled: args.pointInTimeRecovery ?? CONFIG_DEFAULTS.pointInTimeRecovery },
    deletionProtectionEnabled: args.deletionProtection ?? CONFIG_DEFAULTS.deletionProtection,
    ttl: kind === REJECTS_TABLE ? { attributeName: REJECTS_TTL_ATTRIBUTE, enabled: true } : undefined,
  };
}
