/**
 * Prints what `pulumi up` would create for a stack, by type, from an offline
 * evaluation of the program:  npx ts-node local/plan/count.ts --stack dev [--stack prod]
 */
import { countByType, recordProgram } from "./record";
import { listStacks } from "./stack-config";

async function main(argv: string[]): Promise<void> {
  const stacks = argv.flatMap((arg, i) => (arg === "--stack" && argv[i + 1] ? [argv[i + 1]] : []));
  for (const stack of stacks.length > 0 ? stacks : listStacks()) {
    const run = await recordProgram({ stack });
    const custom = countByType(run.resources, { custom: true });
    const components = countByType(run.resources, { custom: false });
    const total = Object.values(custom).reduce((a, b) => a + b, 0);
    console.log(`${stack}: ${total} resources in ${Object.values(components).reduce((a, b) => a + b, 0)} components`);
    for (const [type, n] of Object.entries({ ...components, ...custom }))
      console.log(`  ${String(n).padStart(3)}  ${type}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
