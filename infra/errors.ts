/**
 * Errors of the Pulumi program that report every problem at once (a stack's config, a
 * shared stack, a stack's outputs, a component's arguments), so one failed preview
 * names everything to fix rather than the first thing found.
 *
 * They share one base, so a caller catches any of them with `instanceof ProblemsError`
 * and reads `problems` without parsing the message; each sets its own `name` and passes
 * `{ cause }` through, as Powertools' parameter errors do (`ParameterNotFoundError
 * extends GetParameterError`, aws-powertools/powertools-lambda-typescript
 * packages/parameters/src/errors.ts).
 */

/** A list of problems under one summary line, each problem on a line of its own. */
export class ProblemsError extends Error {
  override readonly name: string = "ProblemsError";
  readonly problems: readonly string[];

  constructor(summary: string, problems: readonly string[], options?: ErrorOptions) {
    super(`${summary}:\n  - ${problems.join("\n  - ")}`, options);
    this.problems = [...problems];
  }
}

/** A component was given arguments it cannot build from; thrown before it registers anything. */
export class ComponentArgsError extends ProblemsError {
  override readonly name: string = "ComponentArgsError";

  constructor(
    /** The component's type, e.g. `Collector`. */
    readonly component: string,
    /** The component's logical name. */
    readonly resourceName: string,
    problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`${component} ${resourceName} has invalid arguments`, problems, options);
  }
}

/**
 * Throws `ComponentArgsError` when `problems` is not empty. Components call it with the
 * result of their pure `...ArgsProblems` check before `super()`, so bad arguments
 * register nothing, not even the component itself.
 */
export function rejectProblems(component: string, resourceName: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new ComponentArgsError(component, resourceName, problems);
}
