/**
 * Times the local cascade at each scale: start-up (offline plan, embedded AWS, bundles),
 * a first run over fresh tables, and a second run over unchanged data. Prints numbers;
 * asserts nothing about speed.
 *   npm run bench [-- --scales small,medium,large --seed 1 --faults 0]
 */
import "./quiet-sdk-notice";
import { BENCH_USAGE, parseBenchArgs, UsageError, type BenchCommand } from "./cli-args";
import { LocalCascade } from "./runtime/cascade";
import { recordsPerSecond } from "./runtime/report";

async function bench({ scales, seed, faults }: BenchCommand): Promise<void> {
  console.log("scale    records  start s  run 1 s  rec/s  run 2 s  invocations  conserved");
  for (const scale of scales) {
    const startedAt = Date.now();
    const cascade = await LocalCascade.start({
      stack: "dev",
      scale,
      seed,
      faults,
    });
    const startSeconds = (Date.now() - startedAt) / 1000;
    try {
      const first = await cascade.runOnce();
      const second = await cascade.runOnce();
      const records = first.source.branches + first.source.salespersons + first.source.sales + first.source.invalid;
      const invocations = Object.values(first.stages).reduce((sum, stage) => sum + stage.invocations, 0);
      console.log(
        [
          scale.padEnd(7),
          String(records).padStart(8),
          startSeconds.toFixed(2).padStart(8),
          (first.durationMs / 1000).toFixed(2).padStart(8),
          String(recordsPerSecond(first)).padStart(6),
          (second.durationMs / 1000).toFixed(2).padStart(8),
          String(invocations).padStart(12),
          `  ${first.ok && second.ok}`,
        ].join(" "),
      );
    } finally {
      await cascade.close();
    }
  }
}

function main(argv: readonly string[]): Promise<void> | number {
  try {
    const command = parseBenchArgs(argv);
    if ("command" in command) {
      process.stdout.write(BENCH_USAGE);
      return 0;
    }
    return bench(command);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${BENCH_USAGE}`);
    return 2;
  }
}

Promise.resolve(main(process.argv.slice(2))).then(
  (code) => {
    if (typeof code === "number") process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
