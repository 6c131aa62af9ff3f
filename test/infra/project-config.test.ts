import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  projectConfigProblem,
  stackConfigProblem,
  type ProjectConfigType,
  type StackValue,
} from "../../local/plan/project-config";
import { listProjects, listStacks, loadStackConfig, REPO_ROOT, StackConfigError } from "../../local/plan/stack-config";

// The cases follow pulumi/pulumi pkg/workspace/config_project_test.go; the messages are the CLI's.
const plain = (value: unknown): StackValue => ({ secure: false, value });
const secure: StackValue = { secure: true };
const check = (declared: Record<string, ProjectConfigType>, values: Record<string, StackValue> = {}) =>
  stackConfigProblem("dev", "test", declared, values);

describe("local/plan: the Pulumi CLI's project config rules (pure)", function () {
  describe("a key the project declares without a default or value is required", function () {
    it("names one missing key", function () {
      assert.equal(
        check({ values: { type: "array", items: { type: "string" } } }),
        "Stack 'dev' is missing configuration value 'values'",
      );
    });
    it("names two, sorted, joined with and", function () {
      assert.equal(
        check({ values: { type: "string" }, another: { type: "string" } }),
        "Stack 'dev' is missing configuration values 'another' and 'values'",
      );
    });
    it("names three with commas", function () {
      assert.equal(
        check({ world: { type: "string" }, hello: { type: "string" }, values: { type: "string" } }),
        "Stack 'dev' is missing configuration values 'hello', 'values' and 'world'",
      );
    });
    it("is satisfied by a plain or an encrypted stack value, or a default", function () {
      assert.equal(check({ a: { type: "string" } }, { "test:a": plain("x") }), undefined);
      assert.equal(check({ a: { type: "string", secret: true } }, { "test:a": secure }), undefined);
      assert.equal(check({ a: { type: "string", default: "x" } }), undefined);
    });
    it("does not apply to another namespace's key", function () {
      assert.equal(check({ "aws:region": { value: "eu-west-1" } }), undefined);
    });
  });

  describe("a value must be of the declared type, defaults included", function () {
    const cases: [string, ProjectConfigType, unknown, string | undefined][] = [
      ["an integer as text", { type: "integer" }, "42", undefined],
      ["a word for an integer", { type: "integer" }, "many", "must be of type 'integer'"],
      ["a fraction for an integer", { type: "integer" }, "1.5", "must be of type 'integer'"],
      ["true for a boolean", { type: "boolean" }, "true", undefined],
      ["yes for a boolean", { type: "boolean" }, "yes", "must be of type 'boolean'"],
      ["a number for a string (scalars arrive as text)", { type: "string" }, 5, undefined],
      ["a list for a string", { type: "string" }, ["a"], "must be of type 'string'"],
      ["a list of strings", { type: "array", items: { type: "string" } }, ["a", "b"], undefined],
      [
        "a list with a number",
        { type: "array", items: { type: "string" } },
        ["a", 1],
        "must be of type 'array<string>'",
      ],
      ["a scalar for a list", { type: "array", items: { type: "string" } }, "a", "must be of type 'array<string>'"],
    ];
    for (const [what, decl, value, problem] of cases) {
      it(`${problem ? "refuses" : "accepts"} ${what}`, function () {
        assert.equal(
          check({ key: decl }, { "test:key": plain(value) }),
          problem && `Stack 'dev' with configuration key 'key' ${problem}`,
        );
      });
    }
    it("checks a merged default like a stack value", function () {
      assert.equal(
        check({ key: { type: "boolean", default: "maybe" } }),
        "Stack 'dev' with configuration key 'key' must be of type 'boolean'",
      );
    });
    it("checks nothing for a key declared without a type", function () {
      assert.equal(check({ key: { default: "x" } }, { "test:key": plain(["any"]) }), undefined);
    });
  });

  describe("a secret key holds only an encrypted value", function () {
    it("refuses a plain stack value", function () {
      assert.equal(
        check({ importantNumber: { type: "integer", secret: true } }, { "test:importantNumber": plain("20") }),
        "Stack 'dev' with configuration key 'importantNumber' must be encrypted as it's secret",
      );
    });
    it("refuses a plain default (the CLI merges defaults in as plain values)", function () {
      assert.equal(
        check({ token: { type: "string", secret: true, default: "" } }),
        "Stack 'dev' with configuration key 'token' must be encrypted as it's secret",
      );
    });
    it("accepts an encrypted value", function () {
      assert.equal(
        check({ importantNumber: { type: "integer", secret: true } }, { "test:importantNumber": secure }),
        undefined,
      );
    });
  });

  describe("the declarations themselves (Project.Validate)", function () {
    const cases: [string, Record<string, ProjectConfigType>, string][] = [
      [
        "a default and a value",
        { a: { default: 1, value: 2 } },
        "project config 'a' cannot have both a 'default' and 'value' attribute",
      ],
      [
        "an array without items",
        { a: { type: "array" } },
        "The configuration key 'a' declares an array " +
          "but does not specify the underlying type via the 'items' attribute",
      ],
      [
        "a default of another type",
        { a: { type: "integer", default: "many" } },
        "The default value specified for configuration key 'a' is not of the expected type 'integer'",
      ],
      [
        "a type on another namespace's key",
        { "aws:region": { type: "string", value: "x" } },
        "Configuration key 'aws:region' is not namespaced by the project and should not define a type",
      ],
      [
        "another namespace's key without a value",
        { "aws:region": { description: "x" } },
        "Configuration key 'aws:region' is namespaced and must provide an attribute 'value'",
      ],
    ];
    for (const [what, declared, message] of cases) {
      it(`refuses ${what}`, function () {
        assert.equal(projectConfigProblem("test", declared), message);
      });
    }
    it("accepts well-formed declarations", function () {
      assert.equal(
        projectConfigProblem("test", {
          a: { type: "array", items: { type: "string" }, default: [] },
          "test:b": { type: "integer", default: 2 },
          "aws:region": { value: "eu-west-1" },
        }),
        undefined,
      );
    });
  });
});

describe("local/plan: loading a stack applies the CLI's rules", function () {
  let root: string;
  beforeEach(function () {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "project-config-"));
  });
  afterEach(function () {
    fs.rmSync(root, { recursive: true, force: true });
  });
  const write = (project: string[], stack: string[]) => {
    fs.writeFileSync(path.join(root, "Pulumi.yaml"), ["name: demo", "runtime: nodejs", ...project].join("\n"));
    fs.writeFileSync(path.join(root, "Pulumi.test.yaml"), ["config:", ...stack].join("\n"));
  };

  it("refuses a stack missing a required key, naming the file and the key as the CLI does", function () {
    write(["config:", "  token:", "    type: string", "    secret: true"], ["  aws:region: eu-west-1"]);
    assert.throws(
      () => loadStackConfig("test", { root }),
      (e: unknown) =>
        e instanceof StackConfigError &&
        e.message === `${path.join(root, "Pulumi.test.yaml")}: Stack 'test' is missing configuration value 'token'`,
    );
  });

  it("refuses a secret set in plain text", function () {
    write(["config:", "  token:", "    type: string", "    secret: true"], ["  demo:token: hunter2"]);
    assert.throws(
      () => loadStackConfig("test", { root }),
      /Stack 'test' with configuration key 'token' must be encrypted as it's secret$/,
    );
  });

  it("refuses a value of the wrong type", function () {
    write(["config:", "  count:", "    type: integer", "    default: 1"], ["  demo:count: several"]);
    assert.throws(
      () => loadStackConfig("test", { root }),
      /Stack 'test' with configuration key 'count' must be of type 'integer'$/,
    );
  });
});

describe("every stack of every Pulumi project in the repository passes the CLI's rules", function () {
  const projects = listProjects();

  it("finds the projects: the pipeline, the reporting consumer and the deployments set-up", function () {
    assert.deepEqual(
      projects.map((dir) => path.relative(REPO_ROOT, dir)),
      ["", path.join("infra", "consumers", "reporting"), path.join("infra", "deployments")],
    );
  });

  for (const dir of projects) {
    const stacks = listStacks(dir);
    it(`${path.relative(REPO_ROOT, dir) || "the root project"} has stacks`, function () {
      assert.ok(stacks.length > 0);
    });
    for (const stack of stacks) {
      it(`${path.join(path.relative(REPO_ROOT, dir), `Pulumi.${stack}.yaml`)}`, function () {
        assert.equal(loadStackConfig(stack, { root: dir }).stack, stack);
      });
    }
  }
});
