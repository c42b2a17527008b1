#!/usr/bin/env node
// The cairn CLI: runs the compiled bundle in dist/ (built by `npm install`, `npm run build`).
// (No static imports here: even `node:fs` would cost the start-up of every command ~6 MiB.)
const entry = new URL('../dist/cli/main.js', import.meta.url);
let cli;
try {
  cli = await import(entry.href);
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || err.url !== entry.href) throw err;
  process.stderr.write('cairn: the compiled CLI (dist/cli/main.js) is missing; build it with `npm run build`\n');
  process.exit(2);
}
process.exitCode = await cli.main(process.argv);
