// How cairn's code is bundled for Node, one home for the esbuild settings: used by
// scripts/build.mjs for dist/ and by the benchmarks that measure the code as it ships.
//
// What is bundled: the entry points' imports from src/ and every package in devDependencies. A
// package in `dependencies` stays an ordinary import, resolved from node_modules at run time —
// that is where a package goes that cannot be bundled: a native addon, or one that reads its own
// files at run time (etcd3 1.1.2 loads .proto files from its directory: bundled, ENOENT).
// Files cairn reads at run time (schemas/, policies/, samples/) are addressed from the package
// root, which is two directories above every output file as it is above every source file
// (src/<dir>/<file>.ts -> dist/<dir>/<file>.js, lazily imported chunks in dist/chunks/).
//
// Memory: the output is minified (whitespace and syntax, not names: error classes keep theirs)
// and pure ASCII, every other character written as a \u escape, because V8 holds a module's
// source for as long as the module lives, and holds it in two bytes a character when a single
// character needs that. Measured for `cairn --version`: 84 MiB as esbuild writes it, 76 MiB
// minified, 73 MiB minified and ASCII.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles entryPoints (paths relative to the package root) into outdir; returns esbuild's metafile. */
export async function bundle({ entryPoints, outdir, outbase }) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  rmSync(join(ROOT, outdir), { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints,
    outbase,
    outdir,
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
  return result.metafile;
}

/**
 * The code with every non-ASCII UTF-16 unit written as \uXXXX: the same program, since such a
 * unit can only stand in a string, template, regular expression, identifier or comment, and the
 * escape means the same in each (a pair of escaped surrogates is one code point under /u too).
 */
function ascii(code) {
  return code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
