#!/usr/bin/env node
// Builds the shipped CLI: dist/cli/main.js plus the chunks of whatever it imports lazily,
// bundled from src/ (scripts/bundle.mjs) so that `cairn` starts without a TypeScript transpiler.
// Runs on `npm install` / `npm ci` (prepare) and `npm run build`.
//
// Why a bundle and not tsc's file-per-module output: measured on this project (BENCHMARKS.md,
// "Start-up and footprint"), `cairn --version` took 0.9–1.7 s and 129–144 MiB from tsc's output
// against 0.2–0.4 s and 84 MiB bundled (73 MiB minified and ASCII), because a bundle keeps only the parts of its
// libraries cairn uses (e.g. 0.6 MB of @kubernetes/client-node's 14.5 MB) and loads them from
// one file.
//
// Also writes dist/THIRD-PARTY-LICENSES.txt, the licence of every package the bundle contains,
// and dist/bundle-contents.json, which packages each output file holds ({"cli/main.js":
// ["commander", ...], "chunks/x-HASH.js": [...]}): libraries are inside the bundle, not loaded
// from node_modules, so a test that asks which libraries a command loads maps the dist/ files
// the process loaded through this.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundle, ROOT } from './bundle.mjs';

const PACKAGE_DIR = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//;

const metafile = await bundle({ entryPoints: ['src/cli/main.ts'], outbase: 'src', outdir: 'dist' });
writeFileSync(join(ROOT, 'dist', 'THIRD-PARTY-LICENSES.txt'), licences(metafile));
writeFileSync(join(ROOT, 'dist', 'bundle-contents.json'), `${JSON.stringify(contents(metafile), null, 1)}\n`);

/** Output file (relative to dist/) -> the packages that put bytes into it, sorted. */
function contents(metafile) {
  const byFile = {};
  for (const [file, out] of Object.entries(metafile.outputs)) {
    const names = new Set();
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
      const m = PACKAGE_DIR.exec(input);
      if (m && bytesInOutput > 0) names.add(m[2]);
    }
    byFile[file.replace(/^dist\//, '')] = [...names].sort();
  }
  return byFile;
}

/** The licence text of every node_modules package that contributed bytes to the output. */
function licences(metafile) {
  const dirs = new Set();
  for (const out of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
      if (bytesInOutput === 0) continue;
      const m = PACKAGE_DIR.exec(input);
      if (m) dirs.add(m[1]);
    }
  }
  const parts = [];
  for (const dir of [...dirs].sort()) {
    const meta = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));
    const file = existsSync(join(ROOT, dir)) ? readdirSync(join(ROOT, dir)).find((f) => /^(licen[sc]e|copying)/i.test(f)) : undefined;
    const text = file ? readFileSync(join(ROOT, dir, file), 'utf8').trim() : `(no licence file in the package; package.json says: ${meta.license ?? 'nothing'})`;
    parts.push(`${meta.name}@${meta.version} — ${meta.license ?? 'unknown'}\n\n${text}\n`);
  }
  return `cairn's dist/ bundles these packages:\n\n${parts.join('\n' + '-'.repeat(78) + '\n\n')}`;
}
