// `npm run bench`: runs every bench/*.bench.ts in its own Node process (so peak RSS is its own)
// one after the other, and prints what each reports. Figures go into BENCHMARKS.md by hand,
// with the machine and the date.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file}`);
  const r = spawnSync(process.execPath, [join(here, '..', 'bin', 'run-ts.js'), join('bench', file)], {
    stdio: 'inherit',
    cwd: join(here, '..'),
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
