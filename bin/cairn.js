#!/usr/bin/env node
// The cairn CLI: runs the compiled bundle in dist/ (built by `npm install`, `npm run build`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('cairn: the compiled CLI (dist/cli/main.js) is missing; build it with `npm run build`\n');
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
