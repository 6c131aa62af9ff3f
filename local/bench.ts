/**
 * Times the local cascade at each scale: start-up (offline plan, embedded AWS, bundles),
 * a first run over fresh tables, and a second run over unchanged data. Prints numbers;
 * asserts nothing about speed.
 *   npm run bench [-- --scales small,medium,large --seed 1 --faults 0]
 */
import "./quiet-sdk-notice";
import { parseArgs } from "node:util";
import { LocalCascade } from "./runtime/cascade";
import { recordsPerSecond } from "./runtime/report";
import type { ScalePreset } from "./source-api";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scales: { type: "string", default: "small,medium,large" },
      seed: { type: "string", default: "1" },
      faults: { type: "string", default: "0" },
    },
  });
  const scales = values.scales.split(",") as ScalePreset[];
  console.log("scale    records  start s  run 1 s  rec/s  run 2 s  invocations  conserved");
  for (const scale of scales) {
    const startedAt = Date.now();
    const cascade = await LocalCascade.start({
      stack: "dev",
      scale,
      seed: Number(values.seed),
      faults: Number(values.faults),
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

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
