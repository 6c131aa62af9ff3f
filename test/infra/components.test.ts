import { strict as assert } from "node:assert";
import * as path from "node:path";
import { loadStackConfig } from "../../local/plan/stack-config";
import { ProgramRunError, recordProgram } from "../../local/plan/record";

const entry = path.join(__dirname, "fixtures", "bad-components.ts");

/** A component given a bad argument throws once, naming it, before registering anything. */
const CASES: [string, string][] = [
  ["queues-receive-count", "Queues q: maxReceiveCount must be an integer of at least 5 (got 3)"],
  [
    "queues-visibility",
    "Queues q: queues.employee.visibilityTimeoutSeconds must be an integer from 0 to 43200 (got 50000)",
  ],
  ["collector-memory", "Collector c: memoryMb must be an integer from 128 to 10240 (got 64)"],
  ["collector-retention", "Collector c: logRetentionDays must be one of"],
  ["monitoring-percent", "Monitoring m: durationAlarmPercent must be an integer from 1 to 100 (got 0)"],
];

describe("infra: components validate their arguments first", function () {
  for (const [which, message] of CASES) {
    it(which, async function () {
      const config = loadStackConfig("dev");
      config.config["fixture:case"] = which;
      const error = await recordProgram({ stack: "dev", config, entry }).then(
        () => assert.fail("the component accepted the argument"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ProgramRunError);
      assert.ok(error.message.startsWith(message), error.message);
      assert.deepEqual(error.resources, []);
    });
  }
});
