import { strict as assert } from "node:assert";
import { ConfigError } from "../../infra/config";
import { parseStackOutputs, StackOutputContractError } from "../../infra/contract";
import { ComponentArgsError, ProblemsError, rejectProblems } from "../../infra/errors";
import { SharedStackMismatchError } from "../../infra/split";

const PROBLEMS = ["first: is wrong", "second: is missing"];
const CAUSE = new Error("underneath");

/** Each "list of problems" error, built the way the program builds it, with its summary line. */
const CASES: [string, () => ProblemsError, string][] = [
  ["ConfigError", () => new ConfigError(PROBLEMS, { cause: CAUSE }), "invalid stack configuration:"],
  [
    "SharedStackMismatchError",
    () => new SharedStackMismatchError("acme/p/shared", PROBLEMS, { cause: CAUSE }),
    "stack acme/p/shared cannot serve this pipeline stack:",
  ],
  [
    "StackOutputContractError",
    () => new StackOutputContractError("acme/p/shared", PROBLEMS, { cause: CAUSE }),
    "stack acme/p/shared does not export the expected outputs:",
  ],
  [
    "ComponentArgsError",
    () => new ComponentArgsError("Collector", "c", PROBLEMS, { cause: CAUSE }),
    "Collector c has invalid arguments:",
  ],
];

describe("infra: errors listing problems share one base", function () {
  for (const [name, make, summary] of CASES) {
    it(`${name} is a ProblemsError named ${name}, one problem a line, keeping its cause`, function () {
      const error = make();
      assert.ok(error instanceof ProblemsError);
      assert.ok(error instanceof Error);
      assert.equal(error.name, name);
      assert.deepEqual(error.problems, PROBLEMS);
      assert.equal(error.message, `${summary}\n  - first: is wrong\n  - second: is missing`);
      assert.equal(error.cause, CAUSE);
    });
  }

  it("keeps its own copy of the problems", function () {
    const problems = ["one"];
    const error = new ConfigError(problems);
    problems.push("two");
    assert.deepEqual(error.problems, ["one"]);
    assert.equal(error.cause, undefined);
  });

  it("rejectProblems throws ComponentArgsError naming the component, nothing without a problem", function () {
    rejectProblems("Queues", "q", []);
    assert.throws(
      () => rejectProblems("Queues", "q", ["maxReceiveCount: too low"]),
      (error: unknown) =>
        error instanceof ComponentArgsError &&
        error.component === "Queues" &&
        error.resourceName === "q" &&
        error.message === "Queues q has invalid arguments:\n  - maxReceiveCount: too low",
    );
  });

  it("the output contract keeps zod's error as the cause", function () {
    assert.throws(
      () => parseStackOutputs("shared", "acme/p/shared", {}),
      (error: unknown) =>
        error instanceof StackOutputContractError && (error.cause as Error | undefined)?.name === "ZodError",
    );
  });
});
