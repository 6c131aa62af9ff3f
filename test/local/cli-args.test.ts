import { strict as assert } from "node:assert";
import { parseCommand, UsageError } from "../../local/cli-args";

describe("cascade command line", () => {
  const runDefaults = {
    command: "run",
    stack: "dev",
    scale: "small",
    seed: 1,
    faults: 0,
    watch: false,
    keep: false,
    json: false,
    verbose: false,
  };
  const good: Array<[string[], object]> = [
    [[], runDefaults],
    [["run"], runDefaults],
    [["--json"], { ...runDefaults, json: true }],
    [
      ["run", "--stack", "prod", "--scale", "large", "--seed", "42", "--faults", "0.25", "--keep", "--verbose"],
      { ...runDefaults, stack: "prod", scale: "large", seed: 42, faults: 0.25, keep: true, verbose: true },
    ],
    [["run", "--watch"], { ...runDefaults, watch: true }],
    [["run", "--faults", "1"], { ...runDefaults, faults: 1 }],
    [["plan"], { command: "plan", stack: "dev", json: false }],
    [["plan", "--stack", "prod", "--json"], { command: "plan", stack: "prod", json: true }],
    [
      ["rejects", "--table", "t-1", "--stage", "sales", "--endpoint", "http://127.0.0.1:4000"],
      { command: "rejects", table: "t-1", stage: "sales", endpoint: "http://127.0.0.1:4000", region: undefined },
    ],
    [["run", "--help"], { command: "help" }],
    [["help"], { command: "help" }],
  ];
  for (const [argv, expected] of good)
    it(`reads ${JSON.stringify(argv)}`, () => assert.deepEqual(parseCommand(argv), expected));

  const bad: Array<[string[], string]> = [
    [["deploy"], 'unknown command "deploy"; commands: run, plan, rejects, dlq, status, backfill, help'],
    [["run", "--scale", "huge"], '--scale must be one of small, medium, large, got "huge"'],
    [["run", "--seed=-3"], '--seed must be a whole number, got "-3"'],
    [["run", "--seed", "1.5"], '--seed must be a whole number, got "1.5"'],
    [["run", "--faults", "2"], '--faults must be a number from 0 to 1, got "2"'],
    [["run", "--faults", "lots"], '--faults must be a number from 0 to 1, got "lots"'],
    [["run", "--stack", "../etc"], '--stack must be a stack name (letters, digits, - _ .), got "../etc"'],
    [["run", "--watch", "--keep"], "--watch and --keep cannot be combined: --watch already keeps running"],
    [["plan", "--scale", "small"], '--scale is not an option of "plan"; it takes --stack, --json'],
    [["rejects"], "--table is required: the name of the rejects table"],
    [
      ["rejects", "--table", "t", "--endpoint", "localhost:4000"],
      '--endpoint must be an http(s) URL, got "localhost:4000"',
    ],
  ];
  for (const [argv, message] of bad) {
    it(`refuses ${JSON.stringify(argv)}`, () =>
      assert.throws(
        () => parseCommand(argv),
        (error: unknown) => error instanceof UsageError && error.message === message,
      ));
  }
  it("refuses an unknown flag, naming it", () =>
    assert.throws(
      () => parseCommand(["run", "--fast"]),
      (error: unknown) => error instanceof UsageError && /--fast/.test(error.message),
    ));
});
