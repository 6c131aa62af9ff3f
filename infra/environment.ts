/**
 * Each collector's environment (docs/design.md, "Function environment"): exactly the variables the stage table
 * gives its stage (`stageEnvironment`), plus Powertools' own. The token never
 * appears here, only the name of the parameter holding it.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ENV, METRICS_NAMESPACE, type EnvKey } from "../functions/lib/contract";
import { STAGE_TABLE, stageEnvironment, type StageTable } from "../functions/lib/stages";

export type EnvironmentFacts = {
  readonly [K in EnvKey]?: pulumi.Input<string>;
};

/** Powertools settings every collector gets on top of its facts. */
export function powertoolsEnvironment(project: string, stage: string): Record<string, string> {
  return {
    POWERTOOLS_SERVICE_NAME: `${project}-${stage}`,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    // The bundle ships its source map; without this, stack traces point into minified code.
    NODE_OPTIONS: "--enable-source-maps",
  };
}

/**
 * Builds a stage's environment from the facts available. A fact the stage needs but
 * which is absent fails here, naming it, except the token parameter: no token
 * configured means no variable, and the function runs without one.
 */
export function collectorEnvironment(
  project: string,
  stage: string,
  facts: EnvironmentFacts,
  stages: StageTable = STAGE_TABLE,
): Record<string, pulumi.Input<string>> {
  const variables: Record<string, pulumi.Input<string>> = {};
  const missing: string[] = [];
  for (const key of stageEnvironment(stages, stage)) {
    const value = facts[key];
    if (value === undefined) {
      if (key !== "sourceTokenParameter") missing.push(ENV[key]);
      continue;
    }
    variables[ENV[key]] = value;
  }
  if (missing.length > 0) throw new Error(`environment of the ${stage} collector is missing ${missing.join(", ")}`);
  return { ...variables, ...powertoolsEnvironment(project, stage) };
}
