/**
 * Reads a stack's configuration offline the way the Pulumi language host would pass
 * it to the program: project defaults from Pulumi.yaml, overlaid by Pulumi.<stack>.yaml.
 * Encrypted (`secure:`) values cannot be read without the stack's secrets provider and
 * are left out; the program treats the source token as optional for that reason.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";

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
      `unknown stack "${stack}": looked for ${stackFiles.join(" and ")} (stacks here: ${listStacks(root).join(", ") || "none"})`,
    );

  const qualify = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
  const config: Record<string, string> = {};
  const secretKeys = new Set<string>();

  const declared = (projectDoc.config ?? {}) as Record<string, unknown>;
  for (const [key, decl] of Object.entries(declared)) {
    const full = qualify(key);
    if (decl !== null && typeof decl === "object" && !Array.isArray(decl)) {
      const spec = decl as { default?: unknown; value?: unknown; secret?: boolean };
      if (spec.secret) secretKeys.add(full);
      const value = spec.value ?? spec.default;
      if (value !== undefined) config[full] = encode(value);
    } else if (decl !== undefined && decl !== null) {
      config[full] = encode(decl);
    }
  }

  const stackDoc = readYaml(stackFile);
  for (const [key, value] of Object.entries((stackDoc.config ?? {}) as Record<string, unknown>)) {
    const full = qualify(key);
    if (value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
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
