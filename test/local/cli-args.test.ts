import { strict as assert } from "node:assert";
import { parseBenchArgs, parseCommand, UsageError } from "../../local/cli-args";

describe("cascade command line", () => {
  const runDefaults = {
    command: "run",
    stack: "dev",
    scale: "small",
    seed: 1,
    faults: 0,
    data: "clean",
    watch: false,
    everyMs: undefined,
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
    [["run", "--watch", "--every", "30s"], { ...runDefaults, watch: true, everyMs: 30_000 }],
    [["run", "--watch", "--every=5m"], { ...runDefaults, watch: true, everyMs: 300_000 }],
    [["run", "--watch", "--every", "2h"], { ...runDefaults, watch: true, everyMs: 7_200_000 }],
    [["run", "--watch", "--every", "1d"], { ...runDefaults, watch: true, everyMs: 86_400_000 }],
    [["run", "--faults", "1"], { ...runDefaults, faults: 1 }],
    [["run", "--data", "messy", "--faults", "0.2"], { ...runDefaults, data: "messy", faults: 0.2 }],
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
    [["run", "--data", "dirty"], '--data must be one of clean, messy, got "dirty"'],
    [["run", "--seed=-3"], '--seed must be a whole number, got "-3"'],
    [["run", "--seed", "1.5"], '--seed must be a whole number, got "1.5"'],
    [["run", "--faults", "2"], '--faults must be a number from 0 to 1, got "2"'],
    [["run", "--faults", "lots"], '--faults must be a number from 0 to 1, got "lots"'],
    [["run", "--stack", "../etc"], '--stack must be a stack name (letters, digits, - _ .), got "../etc"'],
    [["run", "--watch", "--keep"], "--watch and --keep cannot be combined: --watch already keeps running"],
    [["run", "--every", "30s"], "--every sets how often --watch runs: add --watch"],
    [["run", "--watch", "--every", "0s"], '--every must be a positive duration such as 30s, 5m, 1h or 1d, got "0s"'],
    [["run", "--watch", "--every", "30"], '--every must be a positive duration such as 30s, 5m, 1h or 1d, got "30"'],
    [
      ["run", "--watch", "--every", "1.5h"],
      '--every must be a positive duration such as 30s, 5m, 1h or 1d, got "1.5h"',
    ],
    [["run", "--watch", "--every=-5m"], '--every must be a positive duration such as 30s, 5m, 1h or 1d, got "-5m"'],
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

describe("npm run bench's command line", () => {
  const good: Array<[string[], object]> = [
    [[], { scales: ["small", "medium", "large"], seed: 1, faults: 0 }],
    [["--scales", "small", "--seed", "7", "--faults", "0.1"], { scales: ["small"], seed: 7, faults: 0.1 }],
    [["--scales=large,small"], { scales: ["large", "small"], seed: 1, faults: 0 }],
    [["--help"], { command: "help" }],
  ];
  for (const [argv, expected] of good)
    it(`reads ${JSON.stringify(argv)}`, () => assert.deepEqual(parseBenchArgs(argv), expected));

  const bad: Array<[string[], string]> = [
    [["--seed", "abc"], '--seed must be a whole number, got "abc"'],
    [["--faults", "2"], '--faults must be a number from 0 to 1, got "2"'],
    [["--scales", "small,huge"], '--scales must be one of small, medium, large, got "huge"'],
    [["--scales", ""], '--scales must be one of small, medium, large, got ""'],
  ];
  for (const [argv, message] of bad)
    it(`refuses ${JSON.stringify(argv)}`, () =>
      assert.throws(
        () => parseBenchArgs(argv),
        (error: unknown) => error instanceof UsageError && error.message === message,
      ));
  it("refuses a flag of cascade run it does not take, naming it", () =>
    assert.throws(
      () => parseBenchArgs(["--stack", "prod"]),
      (error: unknown) => error instanceof UsageError && /'--stack'/.test(error.message),
    ));
});
