/**
 * Reads a stack's configuration offline the way the Pulumi language host would pass
 * it to the program: project defaults from Pulumi.yaml, overlaid by Pulumi.<stack>.yaml,
 * after the checks the Pulumi CLI makes of the two (project-config.ts), so a stack the
 * CLI would refuse is refused here too. Encrypted (`secure:`) values cannot be read
 * without the stack's secrets provider and are left out; the program treats the source
 * token as optional for that reason.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { projectConfigProblem, projectConfigType, stackConfigProblem, stackValue } from "./project-config";

/** The Pulumi CLI would refuse this project or stack before running the program; the message is the CLI's. */
export class StackConfigError extends Error {
  override readonly name = "StackConfigError";
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

export interface StackConfig {
  project: string;
  stack: string;
  /** `namespace:key` → string value (objects and arrays JSON-encoded). */
  config: Record<string, string>;
  /** Keys (as in `config`) whose values are secrets. */
  secretKeys: string[];
}

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

function encode(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function readYaml(file: string): Record<string, unknown> {
  const parsed: unknown = YAML.parse(fs.readFileSync(file, "utf8"));
  if (parsed === null || typeof parsed !== "object") throw new Error(`${file} is not a YAML mapping`);
  return parsed as Record<string, unknown>;
}

/** The directories of every Pulumi project in the repository (each with a Pulumi.yaml), sorted. */
export function listProjects(root: string = REPO_ROOT): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true });
    if (entries.some((entry) => entry.isFile() && /^Pulumi\.ya?ml$/.test(entry.name))) found.push(dir);
    for (const entry of entries)
      if (entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules")
        walk(path.join(dir, entry.name));
  };
  walk(root);
  return found.sort();
}

/** Lists the stacks that have a settings file next to Pulumi.yaml. */
export function listStacks(root: string = REPO_ROOT): string[] {
  return fs
    .readdirSync(root)
    .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

export function loadStackConfig(
  stack: string,
  opts: { root?: string; overrides?: Record<string, unknown> } = {},
): StackConfig {
  const root = opts.root ?? REPO_ROOT;
  const projectFile = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(root, f)).find((f) => fs.existsSync(f));
  if (!projectFile) throw new Error(`no Pulumi.yaml in ${root}`);
  const projectDoc = readYaml(projectFile);
  const project = projectDoc.name;
  if (typeof project !== "string" || project === "") throw new Error(`${projectFile} has no project name`);

  const stackFiles = [`Pulumi.${stack}.yaml`, `Pulumi.${stack}.yml`].map((f) => path.join(root, f));
  const stackFile = stackFiles.find((f) => fs.existsSync(f));
  if (!stackFile)
    throw new Error(
      `unknown stack "${stack}": looked for ${stackFiles.join(" and ")} ` +
        `(stacks here: ${listStacks(root).join(", ") || "none"})`,
    );

  const qualify = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
  const config: Record<string, string> = {};
  const secretKeys = new Set<string>();

  const declared = Object.fromEntries(
    Object.entries((projectDoc.config ?? {}) as Record<string, unknown>).map(([key, decl]) => [
      key,
      projectConfigType(decl),
    ]),
  );
  const stackValues = (readYaml(stackFile).config ?? {}) as Record<string, unknown>;

  // What the CLI checks before it runs the program; overrides below stand for values the
  // program is handed directly, so the program's own checks can be exercised.
  const projectProblem = projectConfigProblem(project, declared);
  if (projectProblem) throw new StackConfigError(projectFile, projectProblem);
  const values = Object.entries(stackValues).map(([key, value]) => [qualify(key), stackValue(value)] as const);
  const stackProblem = stackConfigProblem(stack, project, declared, Object.fromEntries(values));
  if (stackProblem) throw new StackConfigError(stackFile, stackProblem);

  for (const [key, decl] of Object.entries(declared)) {
    const full = qualify(key);
    if (decl.secret) secretKeys.add(full);
    const value = decl.value ?? decl.default;
    if (value !== undefined) config[full] = encode(value);
  }

  for (const [key, value] of Object.entries(stackValues)) {
    const full = qualify(key);
    if (stackValue(value).secure) {
      // Encrypted with the stack's secrets provider: unreadable here, so unset.
      secretKeys.add(full);
      delete config[full];
      continue;
    }
    config[full] = encode(value);
  }

  for (const [key, value] of Object.entries(opts.overrides ?? {})) {
    const full = qualify(key);
    if (value === undefined) delete config[full];
    else config[full] = encode(value);
  }

  return { project, stack, config, secretKeys: [...secretKeys].filter((key) => key in config).sort() };
}
