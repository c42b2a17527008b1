// Issue 17, item 2: each command loads only what it needs. `--version`, `--help`, `version`,
// `validate` and `plan` (on the example repository, whose S3 location has no keys here) never
// load the Kubernetes client, the S3 client, the Git library, metrics or the logger. The list of
// loaded modules comes from a module-resolution hook (trace/register.mjs) in a real process
// running the CLI from its sources.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers.ts';

const HEAVY = ['@kubernetes/client-node', 'minio', 'simple-git', 'prom-client', 'pino'];

function loaded(args: string[]): { code: number | null; stdout: string; stderr: string; packages: Set<string> } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-trace-'));
  const file = join(dir, 'modules.txt');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAIRN_') && !k.startsWith('S3_')));
  // The sources, not the bundle bin/cairn.js runs (trace/main-from-sources.ts says why); the
  // bundle keeps the same laziness: each `await import()` is a chunk of its own, each lazy
  // require() a module evaluated on the call (scripts/bundle.mjs).
  const r = spawnSync(process.execPath, ['--import', join(ROOT, 'test/cli/trace/register.mjs'), '--import', 'tsx', join(ROOT, 'test/cli/trace/main-from-sources.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...env, CAIRN_TEST_MODULE_TRACE: file, XDG_STATE_HOME: join(dir, 'state') },
  });
  const urls = readFileSync(file, 'utf8').split('\n');
  rmSync(dir, { recursive: true, force: true });
  const packages = new Set(urls.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((p): p is string => p !== undefined));
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, packages };
}

describe('start-up loads only what the command needs', () => {
  it('the trace sees the heavy modules when a command does use them', () => {
    // Proves the probe can fail: reconcile imports the engine, and with it the Git library.
    const heavy = loaded(['reconcile', '--once', '--repo', join(ROOT, 'no-such.git')]);
    expect(heavy.packages.has('simple-git')).toBe(true);
  });

  for (const args of [['--version'], ['--help'], ['version'], ['validate', 'policies'], ['plan', '--repo', 'policies']]) {
    it(`cairn ${args.join(' ')}`, () => {
      const r = loaded(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.packages.has('commander')).toBe(true);
      for (const p of HEAVY) expect(r.packages.has(p), `${p} was loaded`).toBe(false);
    });
  }
});
