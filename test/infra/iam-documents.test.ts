import { strict as assert } from "node:assert";
import { collectorEnvironment } from "../../infra/environment";
import { durationThresholdMs, logGroupArn, logGroupName, partitionOf, tokenParameterName } from "../../infra/naming";
import { collectorPolicy, stageGrants, tlsOnlyQueuePolicy, type CollectorGrants } from "../../infra/iam-documents";
import { STAGES } from "../../functions/lib/contract";
import { STAGE_TABLE } from "../../functions/lib/stages";

const A = {
  table: "arn:aws:dynamodb:eu-west-1:111122223333:table/t",
  rejectsTable: "arn:aws:dynamodb:eu-west-1:111122223333:table/r",
  logGroup: "arn:aws:logs:eu-west-1:111122223333:log-group:/x",
  employeeQueue: "arn:aws:sqs:eu-west-1:111122223333:employee",
  saleQueue: "arn:aws:sqs:eu-west-1:111122223333:sale",
  scheduleDlq: "arn:aws:sqs:eu-west-1:111122223333:schedule-dlq",
  tokenParameter: "arn:aws:ssm:eu-west-1:111122223333:parameter/p",
};

describe("infra: policy builders (pure)", function () {
  const cases: [string, CollectorGrants, [string, string[], string[]][]][] = [
    [
      "the minimum: own table, rejects, logs",
      { tableArn: A.table, rejectsTableArn: A.rejectsTable, logGroupArn: A.logGroup },
      [
        ["UpsertOwnTable", ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:Query"], [A.table]],
        ["WriteRejects", ["dynamodb:BatchWriteItem"], [A.rejectsTable]],
        ["WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [`${A.logGroup}:*`]],
      ],
    ],
    [
      "every grant",
      {
        tableArn: A.table,
        rejectsTableArn: A.rejectsTable,
        logGroupArn: A.logGroup,
        sourceQueueArn: A.employeeQueue,
        targetQueueArn: A.saleQueue,
        failureQueueArn: A.scheduleDlq,
        tokenParameterArn: A.tokenParameter,
      },
      [
        ["UpsertOwnTable", ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:Query"], [A.table]],
        ["WriteRejects", ["dynamodb:BatchWriteItem"], [A.rejectsTable]],
        [
          "ConsumeSourceQueue",
          [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueUrl",
          ],
          [A.employeeQueue],
        ],
        ["FanOutToTargetQueue", ["sqs:SendMessage"], [A.saleQueue]],
        ["SendFailedInvocations", ["sqs:SendMessage"], [A.scheduleDlq]],
        ["ReadSourceToken", ["ssm:GetParameter"], [A.tokenParameter]],
        ["WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [`${A.logGroup}:*`]],
      ],
    ],
  ];
  for (const [what, grants, expected] of cases) {
    it(`collector policy: ${what}`, function () {
      assert.deepEqual(collectorPolicy(grants), {
        Version: "2012-10-17",
        Statement: expected.map(([Sid, Action, Resource]) => ({ Sid, Effect: "Allow", Action, Resource })),
      });
    });
  }

  const stages: [(typeof STAGES)[number], Partial<CollectorGrants>][] = [
    ["branches", { targetQueueArn: A.employeeQueue, failureQueueArn: A.scheduleDlq }],
    ["salespersons", { sourceQueueArn: A.employeeQueue, targetQueueArn: A.saleQueue }],
    ["sales", { sourceQueueArn: A.saleQueue }],
  ];
  for (const [stage, queues] of stages) {
    it(`stage grants: ${stage} reads and writes only its neighbours in the cascade`, function () {
      assert.deepEqual(
        stageGrants(STAGE_TABLE, stage, { ...A, queues: { employee: A.employeeQueue, sale: A.saleQueue } }),
        {
          tableArn: A.table,
          rejectsTableArn: A.rejectsTable,
          logGroupArn: A.logGroup,
          tokenParameterArn: A.tokenParameter,
          ...queues,
        },
      );
    });
  }

  it("TLS-only queue policy denies every SQS action over plain HTTP", function () {
    assert.deepEqual(tlsOnlyQueuePolicy(A.saleQueue).Statement, [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: ["sqs:*"],
        Resource: [A.saleQueue],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });
});

describe("infra: names, thresholds and environments (pure)", function () {
  const thresholds: [number, number, number][] = [
    [60, 80, 48000],
    [120, 80, 96000],
    [900, 50, 450000],
    [1, 100, 1000],
  ];
  for (const [timeout, percent, ms] of thresholds) {
    it(`duration threshold: ${percent}% of ${timeout} s is ${ms} ms`, function () {
      assert.equal(durationThresholdMs(timeout, percent), ms);
    });
  }

  it("names log groups, the token parameter and their ARNs per partition", function () {
    assert.equal(logGroupName("cascading-etl", "prod", "sales"), "/cascading-etl/prod/sales");
    assert.equal(tokenParameterName("cascading-etl", "dev"), "/cascading-etl/dev/source-api-token");
    assert.equal(partitionOf("arn:aws-cn:iam::111122223333:root"), "aws-cn");
    assert.equal(
      logGroupArn({ partition: "aws-us-gov", region: "us-gov-west-1", accountId: "111122223333" }, "/a/b"),
      "arn:aws-us-gov:logs:us-gov-west-1:111122223333:log-group:/a/b",
    );
  });

  it("refuses an environment missing a fact the stage needs, naming the variable", function () {
    assert.throws(
      () =>
        collectorEnvironment("p", "branches", {
          tableName: "t",
          rejectsTableName: "r",
          sourceBaseUrl: "https://x",
          deployStage: "dev",
          rejectsTtlDays: "30",
        }),
      /branches collector is missing TARGET_QUEUE_URL/,
    );
  });
});
