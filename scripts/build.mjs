#!/usr/bin/env node
// Builds the shipped CLI: dist/cli/main.js plus the chunks of whatever it imports lazily,
// bundled by esbuild from src/ so that `cairn` starts without a TypeScript transpiler.
//
// Why a bundle and not tsc's file-per-module output: measured on this project (BENCHMARKS.md,
// "Start-up"), `cairn --version` took 0.9–1.7 s and 132–148 MiB from tsc's output against
// 0.2–0.4 s and 86 MiB bundled, because a bundle keeps only the parts of its libraries cairn uses
// (e.g. 0.6 MB of @kubernetes/client-node's 14.5 MB) and loads them from one file.
//
// What is bundled: src/ and every package in devDependencies. A package in `dependencies` stays
// an ordinary import, resolved from node_modules at run time — that is where a package goes that
// cannot be bundled (a native addon). Files read at run time (schemas/, policies/, samples/)
// are addressed from the package root, which is two directories above every output file, as it
// is above every source file (src/<dir>/<file>.ts -> dist/<dir>/<file>.js, chunks in dist/chunks/).
//
// Memory: the output is minified (whitespace and syntax, not names: error classes keep theirs)
// and pure ASCII, every other character written as a \u escape, because V8 holds a module's
// source for as long as the module lives, and holds it in two bytes a character when a single
// character needs that. Measured for `cairn --version`: 86 MiB as esbuild writes it, 77.5 MiB
// minified, 74.5 MiB minified and ASCII.
//
// Also writes dist/THIRD-PARTY-LICENSES.txt: the licence of every package the bundle contains.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outdir = join(root, 'dist');

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outbase: 'src',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: Object.keys(pkg.dependencies ?? {}),
  // Bundled CommonJS packages call require() for Node's built-ins and read __dirname.
  banner: {
    js: [
      "import { createRequire as __cairnCreateRequire } from 'node:module';",
      "import { fileURLToPath as __cairnFileURLToPath } from 'node:url';",
      "import { dirname as __cairnDirname } from 'node:path';",
      'const require = __cairnCreateRequire(import.meta.url);',
      'const __filename = __cairnFileURLToPath(import.meta.url);',
      'const __dirname = __cairnDirname(__filename);',
    ].join(' '),
  },
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  write: false,
  logLevel: 'warning',
});

for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, ascii(file.text));
}

writeFileSync(join(outdir, 'THIRD-PARTY-LICENSES.txt'), licences(result.metafile));

/**
 * The code with every non-ASCII UTF-16 unit written as \uXXXX: the same program, since such a
 * unit can only stand in a string, template, regular expression, identifier or comment, and the
 * escape means the same in each (a pair of escaped surrogates is one code point under /u too).
 */
function ascii(code) {
  return code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The licence text of every node_modules package that contributed bytes to the output. */
function licences(metafile) {
  const dirs = new Set();
  for (const out of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
      if (bytesInOutput === 0) continue;
      const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (m) dirs.add(m[1]);
    }
  }
  const parts = [];
  for (const dir of [...dirs].sort()) {
    const meta = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const file = existsSync(join(root, dir)) ? readdirSync(join(root, dir)).find((f) => /^(licen[sc]e|copying)/i.test(f)) : undefined;
    const text = file ? readFileSync(join(root, dir, file), 'utf8').trim() : `(no licence file in the package; package.json says: ${meta.license ?? 'nothing'})`;
    parts.push(`${meta.name}@${meta.version} — ${meta.license ?? 'unknown'}\n\n${text}\n`);
  }
  return `cairn's dist/ bundles these packages:\n\n${parts.join('\n' + '-'.repeat(78) + '\n\n')}`;
}
