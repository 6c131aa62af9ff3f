/**
 * Bundles each collector with esbuild into one minified CommonJS file plus its source
 * map, for the Lambda Node.js 22 runtime on arm64. The Pulumi program deploys exactly
 * this directory, and the local runtime loads exactly this file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { STAGES, type StageName } from "./lib/contract";
import { STAGE_TABLE, stageOf, type StageTable } from "./lib/stages";

/** Where bundles are written unless the caller says otherwise (git-ignored). */
export const DEFAULT_BUNDLE_ROOT = path.resolve(__dirname, "..", ".build", "bundles");
/** The Lambda handler string for every bundle: `index.js`, export `handler`. */
export const BUNDLE_HANDLER = "index.handler";

export interface Bundle {
  stage: string;
  /** The directory to deploy as the function's code (index.js and index.js.map). */
  dir: string;
  /** The bundled file itself. */
  file: string;
  /** Size of index.js in bytes. */
  bytes: number;
  /** Size of index.js.map in bytes. */
  mapBytes: number;
}

/** The module exporting a stage's handler, as the stage table names it. */
export function bundleEntry(stage: string, stages: StageTable = STAGE_TABLE): string {
  return path.resolve(__dirname, stageOf(stages, stage).handler);
}

/**
 * Replaces a file in one step, so a process reading the bundle (a test, the local runtime,
 * `pulumi up`) never sees it half written while another process rebuilds it.
 */
function replaceFile(file: string, contents: Uint8Array): void {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(temporary, contents);
  fs.renameSync(temporary, file);
}

/** Bundles one collector. Synchronous so the Pulumi program can call it while it builds its graph. */
export function buildBundle(
  stage: string,
  root: string = DEFAULT_BUNDLE_ROOT,
  stages: StageTable = STAGE_TABLE,
): Bundle {
  const dir = path.join(root, stage);
  const file = path.join(dir, "index.js");
  const result = buildSync({
    entryPoints: [bundleEntry(stage, stages)],
    outfile: file,
    bundle: true,
    minify: true,
    sourcemap: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    legalComments: "none",
    // The SDK and Powertools ship ES modules; preferring them lets esbuild drop what is unused.
    mainFields: ["module", "main"],
    logLevel: "error",
    write: false,
  });
  fs.mkdirSync(dir, { recursive: true });
  // The map first: a reader that sees the new index.js must find its map.
  const ordered = [...result.outputFiles]
    .sort((a, b) => Number(a.path.endsWith(".map")) - Number(b.path.endsWith(".map")))
    .reverse();
  for (const output of ordered) replaceFile(output.path, output.contents);
  return { stage, dir, file, bytes: fs.statSync(file).size, mapBytes: fs.statSync(`${file}.map`).size };
}

export function buildAllBundles(root: string = DEFAULT_BUNDLE_ROOT): Record<StageName, Bundle> {
  return Object.fromEntries(STAGES.map((stage) => [stage, buildBundle(stage, root)])) as Record<StageName, Bundle>;
}

if (require.main === module) {
  for (const bundle of Object.values(buildAllBundles())) {
    console.log(
      `${bundle.stage.padEnd(13)} ${(bundle.bytes / 1024).toFixed(1).padStart(8)} KiB` +
        `  (map ${(bundle.mapBytes / 1024).toFixed(1)} KiB)  ${path.relative(process.cwd(), bundle.file)}`,
    );
  }
}
