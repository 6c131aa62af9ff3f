/**
 * The Pulumi CLI's rules for the config a project declares in Pulumi.yaml, applied
 * offline to a stack's settings file, with the CLI's own messages, so the offline plan
 * refuses what `pulumi preview` and `pulumi up` would refuse. Ported from pulumi/pulumi:
 * - sdk/go/common/workspace/project.go: `(*Project).Validate` (the declarations
 *   themselves), `ValidateConfigValue` and `InferFullTypeName` (what a type accepts);
 * - pkg/workspace/config.go: `ValidateStackConfigAndApplyProjectConfig` → `mergeConfig`
 *   (a project-namespaced key with neither a stack value nor a default or value is
 *   missing; otherwise the default is merged in as a plain value) and then
 *   `validateStackConfigValues` → `validateStackConfigValue` (every explicitly typed
 *   key, defaults included: a secret key must hold an encrypted value, and the value must
 *   be of the declared type). The CLI stops at the first problem, and so does this.
 * Encrypted values cannot be decrypted here, so their type is not checked.
 */

export interface ConfigItemsType {
  type: string;
  items?: ConfigItemsType;
}

/** One entry of Pulumi.yaml's `config:` block in its long form. */
export interface ProjectConfigType {
  type?: string;
  items?: ConfigItemsType;
  description?: string;
  secret?: boolean;
  default?: unknown;
  value?: unknown;
}

/** A stack settings file's value: plain (a YAML scalar, list or mapping) or encrypted (`secure:`). */
export type StackValue = { secure: true } | { secure: false; value: unknown };

/** Reads a `config:` entry; the short form (`key: value`) is a value without a type. */
export function projectConfigType(declaration: unknown): ProjectConfigType {
  if (declaration !== null && typeof declaration === "object" && !Array.isArray(declaration))
    return declaration as ProjectConfigType;
  return { value: declaration };
}

export function stackValue(raw: unknown): StackValue {
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw) && "secure" in raw) return { secure: true };
  return { secure: false, value: raw };
}

/** `ValidateConfigValue`: what a declared type accepts (stack scalars arrive as strings). */
export function matchesType(type: string, items: ConfigItemsType | undefined, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      // Go's strconv.Atoi for text; a whole number otherwise.
      return (typeof value === "number" && Number.isInteger(value)) || /^[+-]?\d+$/.test(String(value));
    case "boolean":
      return value === "true" || value === "false" || typeof value === "boolean";
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      return Array.isArray(value) && items !== undefined && value.every((v) => matchesType(items.type, items.items, v));
  }
}

/** `InferFullTypeName`: `array<string>` for a list of strings. */
export function fullTypeName(type: string, items: ConfigItemsType | undefined): string {
  return items ? `array<${fullTypeName(items.type, items.items)}>` : type;
}

const isNamespacedByProject = (project: string, key: string) => !key.includes(":") || key.startsWith(`${project}:`);
const qualify = (project: string, key: string) => (key.includes(":") ? key : `${project}:${key}`);

/** `(*Project).Validate`: the declarations on their own. */
export function projectConfigProblem(project: string, declared: Record<string, ProjectConfigType>): string | undefined {
  for (const [key, decl] of Object.entries(declared)) {
    if (decl.default !== undefined && decl.value !== undefined)
      return `project config '${key}' cannot have both a 'default' and 'value' attribute`;
    if (isNamespacedByProject(project, key)) {
      if (decl.type === "array" && decl.items === undefined)
        return (
          `The configuration key '${key}' declares an array ` +
          "but does not specify the underlying type via the 'items' attribute"
        );
      if (decl.type !== undefined && decl.default !== undefined && !matchesType(decl.type, decl.items, decl.default))
        return (
          `The default value specified for configuration key '${key}' ` +
          `is not of the expected type '${fullTypeName(decl.type, decl.items)}'`
        );
    } else {
      if (decl.type !== undefined)
        return `Configuration key '${key}' is not namespaced by the project and should not define a type`;
      if (decl.default !== undefined)
        return (
          `Configuration key '${key}' is not namespaced by the project and should not define a default value. ` +
          "Did you mean to use the 'value' attribute instead of 'default'?"
        );
      if (decl.value === undefined)
        return `Configuration key '${key}' is namespaced and must provide an attribute 'value'`;
    }
  }
  return undefined;
}

/** `missingStackConfigurationKeysError` and its `formatMissingKeys`. */
function missingKeysMessage(stack: string, keys: string[]): string {
  if (keys.length === 1) return `Stack '${stack}' is missing configuration value '${keys[0]}'`;
  const quoted = [...keys].sort().map((key) => `'${key}'`);
  const list = `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
  return `Stack '${stack}' is missing configuration values ${list}`;
}

/** A plain value as the CLI holds it: scalars as text (Go's %v), lists and mappings as JSON structures. */
function content(value: unknown): unknown {
  return value !== null && typeof value === "object" ? value : String(value ?? "");
}

/**
 * What `ValidateStackConfigAndApplyProjectConfig` says of one stack: the first problem,
 * or undefined. `values` holds the stack file's `config:` by namespaced key.
 */
export function stackConfigProblem(
  stack: string,
  project: string,
  declared: Record<string, ProjectConfigType>,
  values: Record<string, StackValue>,
): string | undefined {
  const keys = Object.keys(declared).sort();
  const merged = { ...values };
  const missing: string[] = [];
  for (const key of keys) {
    const decl = declared[key];
    const full = qualify(project, key);
    if (full in merged) continue;
    const fallback = decl.default ?? decl.value;
    if (fallback === undefined) {
      if (full.startsWith(`${project}:`)) missing.push(key);
      continue;
    }
    merged[full] = { secure: false, value: fallback };
  }
  if (missing.length > 0) return missingKeysMessage(stack, missing);

  for (const key of keys) {
    const decl = declared[key];
    if (decl.type === undefined) continue;
    const value = merged[qualify(project, key)] ?? { secure: false, value: "" };
    if (decl.secret && !value.secure)
      return `Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret`;
    if (!value.secure && !matchesType(decl.type, decl.items, content(value.value))) {
      const type = fullTypeName(decl.type, decl.items);
      return `Stack '${stack}' with configuration key '${key}' must be of type '${type}'`;
    }
  }
  return undefined;
}
