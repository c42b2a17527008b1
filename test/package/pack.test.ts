// The package as a user gets it: `npm pack` makes a tarball, `npm install <tarball>` into an
// empty directory installs it, and the installed `cairn` runs from its compiled dist/ with no
// TypeScript tooling: `--version`, and `validate` of the sample policy repository it ships.
// The tests' global setup has built dist/ from the current sources, so the tarball holds them.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; dependencies?: Record<string, string> };

/** The environment without the npm_* variables of an enclosing `npm test`, which would steer the inner npm. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env: cleanEnv(), timeout: 180_000 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}${r.error ? ` (${r.error.message})` : ''}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

describe('npm pack → npm install → cairn', () => {
  let dir: string;
  let tarball: string;
  let files: string[];
  let cairn: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-pack-'));
    // --ignore-scripts: `prepare` would rebuild dist/ under the other test files that are running
    // bin/cairn.js at this moment; the global setup has just built it from these sources.
    const packed = JSON.parse(ok(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT), 'npm pack')) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(dir, packed[0].filename);
    files = packed[0].files.map((f) => f.path);
    const app = join(dir, 'app');
    cpSync(join(ROOT, 'test', 'package', 'empty'), app, { recursive: true });
    // Offline when it can be: the tarball's own dependencies (if any) come from the npm cache;
    // on a machine that reaches the registry, whatever is missing from the cache is fetched.
    ok(run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', tarball], app), 'npm install <tarball>');
    cairn = join(app, 'node_modules', '.bin', 'cairn');
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the compiled CLI and what it reads at run time, and no sources or tests', () => {
    expect(files).toContain('bin/cairn.js');
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/THIRD-PARTY-LICENSES.txt');
    expect(files.some((f) => f.startsWith('schemas/'))).toBe(true);
    expect(files).toContain('policies/policies/kcm.yaml');
    expect(files.some((f) => f.startsWith('samples/'))).toBe(true);
    // The status page's static files are read at run time next to their module (src/server/page/);
    // no TypeScript source, test, bench or script ships.
    expect(files).toContain('src/server/page/index.html');
    expect(files.filter((f) => (/^src\//.test(f) && !f.startsWith('src/server/page/')) || /^(test|bench|scripts)\//.test(f) || f.endsWith('.ts'))).toEqual([]);
  });

  it('ships every file the sources read relative to themselves (new URL(path, import.meta.url))', () => {
    // The build keeps import.meta.url meaning the source file (scripts/bundle.mjs), so such a file
    // is read from the package at the same place as in the checkout, and must be in `files`.
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    const read: Array<{ from: string; path: string }> = [];
    for (const file of sources(join(ROOT, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/new URL\(\s*[`'"]([^`'"$]*)[^)]*?,\s*import\.meta\.url\s*\)/g)) {
        const path = relative(ROOT, resolve(dirname(file), m[1]));
        if (path !== '' && !path.startsWith('..')) read.push({ from: relative(ROOT, file), path });
      }
    }
    expect(read.map((r) => r.path)).toContain('schemas');
    const missing = read.filter(({ path }) => !files.some((f) => f === path || f.startsWith(`${path.replace(/\/$/, '')}/`)));
    expect(missing).toEqual([]);
  });

  it('installs without TypeScript tooling: the runtime has no tsx, esbuild or typescript', () => {
    const modules = join(dir, 'app', 'node_modules');
    expect(existsSync(join(modules, PKG.name, 'dist', 'cli', 'main.js'))).toBe(true);
    for (const tool of ['tsx', 'esbuild', 'typescript']) expect(existsSync(join(modules, tool)), tool).toBe(false);
    expect(Object.keys(PKG.dependencies ?? {})).not.toContain('tsx');
  });

  it('every file of the installed dist/ loads: each import resolves in a project with only the package', () => {
    // Commands import their modules lazily (chunks in dist/chunks/), so running a few commands
    // does not load them all; importing each file does, and fails on any import left pointing
    // at a package that the tarball neither bundles nor lists as a dependency.
    const dist = join(dir, 'app', 'node_modules', PKG.name, 'dist');
    const js = files.filter((f) => f.startsWith('dist/') && f.endsWith('.js')).map((f) => pathToFileURL(join(dist, '..', f)).href);
    expect(js.length).toBeGreaterThan(0);
    const script = `for (const u of ${JSON.stringify(js)}) await import(u); console.log('loaded', ${js.length});`;
    const r = run(process.execPath, ['--input-type=module', '-e', script], join(dir, 'app'));
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`loaded ${js.length}`);
  });

  it('cairn --version prints the package version', () => {
    const r = run(cairn, ['--version'], join(dir, 'app'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(PKG.version);
  });

  it('cairn validate passes the sample repository it ships, and fails a broken copy of it naming the file', () => {
    const samples = join(dir, 'app', 'node_modules', PKG.name, 'policies');
    const good = run(cairn, ['validate', samples], join(dir, 'app'));
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/valid/);

    // The same repository with one field of the wrong type: the installed CLI must find its
    // schemas to say so.
    const broken = join(dir, 'broken');
    cpSync(samples, broken, { recursive: true });
    const kcm = join(broken, 'policies', 'kcm.yaml');
    writeFileSync(kcm, readFileSync(kcm, 'utf8').replace(/^(\s*)keep: .*$/m, '$1keep: many'));
    const bad = run(cairn, ['validate', broken], join(dir, 'app'));
    expect(bad.status).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/policies\/kcm\.yaml:\d+:\d+: .*keep/);
  });
});
