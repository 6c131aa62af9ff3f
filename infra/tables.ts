import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { REJECTS_TTL_ATTRIBUTE, TABLE_KEYS, type TableKind } from "../functions/lib/contract";

export const TABLE_KINDS = Object.keys(TABLE_KEYS) as TableKind[];

export interface TablesArgs {
  /**
   * Point-in-time recovery on every table.
   * @default false
   */
  readonly pointInTimeRecovery?: pulumi.Input<boolean>;
  /**
   * Deletion protection on every table: `pulumi destroy` and console deletes fail until it is turned off.
   * @default false
   */
  readonly deletionProtection?: pulumi.Input<boolean>;
}

export interface TableRef {
  name: pulumi.Output<string>;
  arn: pulumi.Output<string>;
  streamArn: pulumi.Output<string>;
}

/**
 * The three stage tables of the cascade and the rejects table (DESIGN.md §1, §3):
 * on-demand, encrypted, streaming new images so downstream consumers can follow
 * changes; rejects expire through DynamoDB TTL.
 */
export class Tables extends pulumi.ComponentResource {
  public readonly tables: Record<TableKind, TableRef>;

  constructor(name: string, args: TablesArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("cascading-etl:index:Tables", name, args, opts);

    const tables = {} as Record<TableKind, TableRef>;
    for (const kind of TABLE_KINDS) {
      const keys: { hashKey: string; rangeKey?: string } = TABLE_KEYS[kind];
      const table = new aws.dynamodb.Table(
        `${name}-${kind}`,
        {
          billingMode: "PAY_PER_REQUEST",
          hashKey: keys.hashKey,
          rangeKey: keys.rangeKey,
          attributes: [keys.hashKey, ...(keys.rangeKey ? [keys.rangeKey] : [])].map((attribute) => ({
            name: attribute,
            type: "S",
          })),
          // Encryption at rest with the AWS owned key is always on; `enabled` switches to the
          // AWS managed KMS key, whose use is logged in CloudTrail.
          serverSideEncryption: { enabled: true },
          streamEnabled: true,
          streamViewType: "NEW_IMAGE",
          pointInTimeRecovery: { enabled: args.pointInTimeRecovery ?? false },
          deletionProtectionEnabled: args.deletionProtection ?? false,
          ttl: kind === "rejects" ? { attributeName: REJECTS_TTL_ATTRIBUTE, enabled: true } : undefined,
        },
        { parent: this },
      );
      tables[kind] = { name: table.name, arn: table.arn, streamArn: table.streamArn };
    }
    this.tables = tables;

    this.registerOutputs({ tables: this.tables });
  }
}
