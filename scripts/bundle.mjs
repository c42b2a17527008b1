// How cairn's code is bundled for Node, one home for the esbuild settings: used by
// scripts/build.mjs for dist/ and by the benchmarks that measure the code as it ships.
//
// What is bundled: the entry points' imports from src/ and every package in devDependencies. A
// package in `dependencies` stays an ordinary import, resolved from node_modules at run time —
// that is where a package goes that cannot be bundled: a native addon, or one that reads its own
// files at run time (etcd3 1.1.2 loads .proto files from its directory: bundled, ENOENT).
// Files cairn reads at run time are addressed relative to the source file that reads them, with
// `new URL(path, import.meta.url)` (schemas/ from src/api/schema.ts, policies/ and samples/ from
// src/cli/demo.ts, the status page's files next to its module): in a bundle import.meta.url is
// the output file's, so the build replaces it, in src/, by the source file's own URL computed
// from the output file's, which is two directories below the package root like every source
// file (dist/cli/main.js, lazily imported chunks in dist/chunks/). Such files must be in the
// package: package.json `files`, checked by test/package/pack.test.ts.
//
// A package that cairn's own code loads through a require made by `createRequire(import.meta.url)`
// would be invisible to the bundler: a run-time require that works in the checkout (node_modules
// is there) and fails in the installed package ("Cannot find module"). So in src/ the statement
// `const require = createRequire(import.meta.url);` is dropped from the bundle, which makes its
// require() calls the bundler's own: the package is bundled and still evaluated only when the
// call runs (src/log.ts loads pino that way, on the first line logged). Any other use of
// createRequire in src/ fails the build, naming the line.
//
// Memory: the output is minified (whitespace and syntax, not names: error classes keep theirs)
// and pure ASCII, every other character written as a \u escape, because V8 holds a module's
// source for as long as the module lives, and holds it in two bytes a character when a single
// character needs that. Measured for `cairn --version`: 84 MiB as esbuild writes it, 76 MiB
// minified, 73 MiB minified and ASCII.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles entryPoints (paths relative to the package root) into outdir; returns esbuild's metafile. */
export async function bundle({ entryPoints, outdir, outbase }) {
  // Every output file two directories below the root: see import.meta.url above.
  if (outdir.split('/').length !== 1 || entryPoints.some((e) => relative(outbase, dirname(e)).split(sep).length !== 1)) {
    throw new Error(`bundle: outdir must be one directory and each entry point one directory below outbase (${outdir}, ${entryPoints})`);
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
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
    plugins: [sources, narrowKubeConfig],
    legalComments: 'none',
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  // Written beside outdir and swapped in by two renames, so a process starting the CLI while a
  // build runs (tests run in parallel) finds the old build or the new one, never half of one.
  const target = join(ROOT, outdir);
  const fresh = `${target}.tmp-${process.pid}`;
  const stale = `${target}.old-${process.pid}`;
  rmSync(fresh, { recursive: true, force: true });
  for (const file of result.outputFiles) {
    const path = join(fresh, relative(target, file.path));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, ascii(file.text));
  }
  if (existsSync(target)) renameSync(target, stale);
  renameSync(fresh, target);
  rmSync(stale, { recursive: true, force: true });
  return result.metafile;
}

/**
 * cairn uses one class of @kubernetes/client-node, KubeConfig (src/cluster/connect.ts imports
 * dist/config.js, not the package's index, which evaluates every generated API and model class).
 * config.js itself imports, for methods cairn never calls:
 * - `createConfiguration` and `ServerConfiguration` from the generated client's index (for
 *   makeApiClient): that index re-exports every generated model and API class (430 KB of the
 *   bundle, all evaluated on import). Here they are functions that throw, saying why.
 * - `Headers` from node-fetch (for applyToFetchOptions), which brings whatwg-url and tr46's
 *   Unicode tables: here Node's own global Headers, the same interface.
 * Measured on `cairn run` idle after its first tick (BENCHMARKS.md, start-up): the client-node
 * chunk 1.14 MB -> 0.29 MB (BENCHMARKS.md, start-up: what each step did to `cairn run`'s RSS).
 */
const KUBE_CONFIG = /[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]config\.js$/;
const narrowKubeConfig = {
  name: 'cairn-narrow-kubeconfig',
  setup(b) {
    b.onResolve({ filter: /^(\.\/gen\/index\.js|node-fetch)$/ }, (args) => {
      if (!KUBE_CONFIG.test(args.importer)) return undefined;
      return { path: args.path, namespace: 'cairn-kube-config' };
    });
    b.onLoad({ filter: /.*/, namespace: 'cairn-kube-config' }, (args) =>
      args.path === 'node-fetch'
        ? { contents: 'export const Headers = globalThis.Headers;\n', loader: 'js' }
        : {
            contents:
              "const absent = () => { throw new Error(\"@kubernetes/client-node's generated API client (makeApiClient) is not part of cairn's bundle\"); };\n" +
              'export const createConfiguration = absent;\nexport class ServerConfiguration { constructor() { absent(); } }\n',
            loader: 'js',
          },
    );
  },
};

const BUNDLER_REQUIRE = /^const require = createRequire\(import\.meta\.url\);$/m;

/**
 * cairn's own sources: drops `const require = createRequire(import.meta.url);`, refuses any
 * other `createRequire(` (libraries may use it), and gives
 * import.meta.url the source file's meaning (see above).
 */
const sources = {
  name: 'cairn-sources',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const text = (await readFile(args.path, 'utf8')).replace(BUNDLER_REQUIRE, '/* the bundler\'s require */');
      const errors = [];
      text.split('\n').forEach((line, i) => {
        const col = line.search(/\bcreateRequire\s*\(/);
        if (col >= 0 && !/^\s*(\/\/|\*|import\b)/.test(line)) {
          errors.push({
            text: 'createRequire in src/: a package required at run time through it is not bundled and is missing from the installed package; use `import`, `await import()`, or exactly `const require = createRequire(import.meta.url);` (scripts/bundle.mjs)',
            location: { file: args.path, line: i + 1, column: col, lineText: line },
          });
        }
      });
      if (errors.length) return { errors };
      const source = relative(ROOT, args.path).split(sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(`../../${source}`)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

/**
 * The code with every non-ASCII UTF-16 unit written as \uXXXX: the same program, since such a
 * unit can only stand in a string, template, regular expression, identifier or comment, and the
 * escape means the same in each (a pair of escaped surrogates is one code point under /u too).
 */
function ascii(code) {
  return code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
