/**
 * `cascade run --keep` and interrupts, as a user meets them: the real CLI in a child
 * process. The commands --keep prints are run as printed (with the AWS CLI when one is on
 * PATH), its curl line is sent as a real HTTP request, and a signal must say what it stopped.
 */
import { strict as assert } from "node:assert";
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { recordProgram } from "../../local/plan/record";

const ROOT = path.resolve(__dirname, "..", "..");
const CLI = path.join(ROOT, "bin", "cascade.js");
const exec = promisify(execFile);

/** The `aws` executable on PATH, if any (aws-cli v1 or v2). */
const AWS_CLI = spawnSync("aws", ["--version"], { encoding: "utf8" }).status === 0 ? "aws" : undefined;

interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stderr matches, rejects if the process ends first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startCli(args: string[]): Cli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const watchers: Array<() => void> = [];
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => {
    err += chunk.toString();
    for (const watcher of [...watchers]) watcher();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = err.match(pattern);
          if (!match) return;
          watchers.splice(watchers.indexOf(check), 1);
          resolve(match);
        };
        watchers.push(check);
        check();
        void exit.then(() => reject(new Error(`cascade ended before printing ${pattern}:\n${out}\n${err}`)));
      });
    },
  };
}

/** An environment with nothing of the user's AWS setup in it: only what --keep's export line sets counts. */
function cleanEnvironment(home: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("AWS_")));
  return {
    ...env,
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, "no-credentials"),
    // AWS CLI v2 pages its output through `less` otherwise.
    AWS_PAGER: "",
  };
}

describe("cascade run --keep, as printed", function () {
  this.timeout(240_000);
  let cli: Cli;
  let block: { exportLine: string; commands: string[]; curl: string; token: string };
  let home: string;

  before(async () => {
    home = mkdtempSync(path.join(tmpdir(), "cascade-keep-"));
    cli = startCli(["run", "--keep", "--seed", "1"]);
    await cli.waitFor(/\n {2}curl [^\n]+\n/);
    const lines = cli.stderr().split("\n");
    const from = lines.findIndex((line) => line.startsWith("  export "));
    const to = lines.indexOf("tables:");
    block = {
      exportLine: lines[from].trim(),
      commands: lines.slice(from + 1, to).map((line) => line.trim()),
      curl: lines.find((line) => line.startsWith("  curl "))!.trim(),
      token: /bearer token: (\S+)/.exec(cli.stderr())![1],
    };
  });
  after(async () => {
    if (cli && cli.child.exitCode === null) {
      cli.child.kill("SIGKILL");
      await cli.exit;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it("says why it plans two resources more than `cascade plan`", async () => {
    const planned = (await recordProgram({ stack: "dev" })).resources.length;
    const line = cli
      .stderr()
      .split("\n")
      .find((text) => text.includes("planned resources"))!;
    assert.match(
      line,
      new RegExp(
        `^cascade: ${planned + 2} planned resources: the dev plan's ${planned} \\(as \`cascade plan --stack dev\` ` +
          `shows\\) and 2 the local run adds by setting sourceApiToken`,
      ),
    );
  });

  it("sets both region variables and gives --endpoint-url on every aws command", () => {
    const exported = Object.fromEntries(
      block.exportLine
        .replace(/^export /, "")
        .split(" ")
        .map((pair) => pair.split("=") as [string, string]),
    );
    assert.deepEqual(
      { region: exported.AWS_REGION, defaultRegion: exported.AWS_DEFAULT_REGION },
      { region: "us-east-1", defaultRegion: "us-east-1" },
    );
    const aws = block.commands.filter((command) => command.startsWith("aws "));
    assert.equal(aws.length, 4);
    for (const command of aws) {
      const endpoint = /--endpoint-url (\S+)/.exec(command)?.[1];
      const service = command.split(" ")[1];
      assert.equal(endpoint, exported[`AWS_ENDPOINT_URL_${service.toUpperCase()}`], command);
    }
  });

  const title = AWS_CLI
    ? "runs every printed command, as printed, with the AWS CLI on PATH"
    : "finds no AWS CLI on PATH, so runs the printed cascade command and checks each aws command names " +
      "a printed table or queue";
  it(title, async () => {
    const summary = cli.stdout();
    const sales = Number(/tables hold .* (\d+) sales, (\d+) rejects/.exec(summary)![1]);
    const rejects = Number(/tables hold .* (\d+) rejects/.exec(summary)![1]);
    const sh = async (command: string) =>
      (
        await exec("sh", ["-c", `${block.exportLine}\n${command}`], {
          cwd: ROOT,
          env: cleanEnvironment(home),
          maxBuffer: 16 * 1024 * 1024,
        })
      ).stdout;
    const [countSales, scanRejects, listQueues, queueAttributes, cascadeRejects] = block.commands;
    assert.match(cascadeRejects, /^npm run cascade -- rejects /);
    assert.match(await sh(cascadeRejects), new RegExp(`\\n${rejects} rejects\\n$`));
    if (AWS_CLI) {
      assert.equal(JSON.parse(await sh(countSales)).Count, sales);
      assert.equal(JSON.parse(await sh(scanRejects)).Items.length, rejects);
      assert.equal(JSON.parse(await sh(listQueues)).QueueUrls.length, 5);
      const attributes = JSON.parse(await sh(queueAttributes)).Attributes;
      assert.ok(JSON.parse(attributes.RedrivePolicy).maxReceiveCount > 0, JSON.stringify(attributes));
    } else {
      const printed = cli.stderr();
      for (const command of [countSales, scanRejects, queueAttributes]) {
        const name = /--(?:table-name|queue-url) (\S+)/.exec(command)![1];
        assert.ok(printed.includes(`: ${name}\n`), `${command} names nothing --keep listed`);
      }
      assert.match(listQueues, /^aws sqs list-queues --endpoint-url http:\/\/127\.0\.0\.1:\d+$/);
    }
  });

  it("prints a curl line the sample source answers, and it needs the printed token", async () => {
    const match = /^curl -H 'Authorization: Bearer ([^']+)' (http:\/\/127\.0\.0\.1:\d+\/\S+)$/.exec(block.curl);
    assert.ok(match, block.curl);
    const [, token, url] = match;
    assert.equal(token, block.token);
    const answer = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    const body = (await answer.json()) as { result: Array<{ id: string }> };
    assert.deepEqual(
      { status: answer.status, ids: body.result.map((branch) => branch.id) },
      { status: 200, ids: ["B001", "B002", "B003", "B004"] },
    );
    assert.equal((await fetch(url)).status, 401);
  });

  it("says what Ctrl-C shut down, and exits 0", async () => {
    cli.child.kill("SIGINT");
    const { code } = await cli.exit;
    const last = cli.stderr().trimEnd().split("\n").pop();
    assert.deepEqual(
      { code, last },
      {
        code: 0,
        last:
          "cascade: SIGINT: shut down 3 functions, 2 queue pollers, the embedded DynamoDB, " +
          "SQS and SSM, and the sample source; the kept tables and queues are gone",
      },
    );
  });
});

describe("cascade run, interrupted", function () {
  this.timeout(240_000);

  it("says which run SIGTERM stopped and exits 143, with no summary", async () => {
    const cli = startCli(["run", "--scale", "medium"]);
    try {
      await cli.waitFor(/\n\[\d+\.\d+s\] /);
      cli.child.kill("SIGTERM");
      const { code } = await cli.exit;
      const last = cli.stderr().trimEnd().split("\n").pop()!;
      assert.equal(code, 143);
      assert.equal(cli.stdout(), "");
      assert.match(
        last,
        new RegExp(
          "^cascade: SIGTERM during run 1, \\d+\\.\\d s in: the run was stopped before it settled, so it has no " +
            "summary and no conservation check; shut down 3 functions, 2 queue pollers, " +
            "the embedded DynamoDB, SQS and SSM, and the sample source$",
        ),
      );
    } finally {
      if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
    }
  });

  it("says SIGINT stopped it before the first run and exits 130", async () => {
    const cli = startCli(["run"]);
    try {
      await cli.waitFor(/starting the embedded AWS…\n/);
      cli.child.kill("SIGINT");
      const { code } = await cli.exit;
      assert.deepEqual(
        { code, last: cli.stderr().trimEnd().split("\n").pop() },
        {
          code: 130,
          last:
            "cascade: SIGINT before the first run: " +
            "stopped the offline plan and the embedded AWS while they were starting",
        },
      );
    } finally {
      if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
    }
  });
});
