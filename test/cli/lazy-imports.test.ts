// Issue 17, item 2: each command loads only what it needs. `--version`, `--help`, `version`,
// `validate` and `plan` (on the example repository, whose S3 location has no keys here) never
// load the Kubernetes client, the S3 client, the Git library, metrics or the logger. The list of
// loaded modules comes from a module-resolution hook (trace/register.mjs) in the real process,
// mapped to packages through the bundle's record of what each dist/ file holds.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, ROOT } from './helpers.ts';

const HEAVY = ['@kubernetes/client-node', 'minio', 'simple-git', 'prom-client', 'pino'];

function loaded(args: string[]): { code: number | null; stdout: string; stderr: string; packages: Set<string> } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-trace-'));
  const file = join(dir, 'modules.txt');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAIRN_') && !k.startsWith('S3_')));
  const r = spawnSync(process.execPath, ['--import', join(ROOT, 'test/cli/trace/register.mjs'), BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...env, CAIRN_TEST_MODULE_TRACE: file, XDG_STATE_HOME: join(dir, 'state') },
  });
  const urls = readFileSync(file, 'utf8').split('\n');
  rmSync(dir, { recursive: true, force: true });
  // Packages loaded from node_modules (runtime dependencies), and those bundled into the dist/
  // files the process loaded (scripts/build.mjs records which packages each output file holds).
  const contents = JSON.parse(readFileSync(join(ROOT, 'dist', 'bundle-contents.json'), 'utf8')) as Record<string, string[]>;
  const distPrefix = pathToFileURL(join(ROOT, 'dist')).href + '/';
  const packages = new Set([
    ...urls.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((p): p is string => p !== undefined),
    ...urls.filter((u) => u.startsWith(distPrefix)).flatMap((u) => contents[u.slice(distPrefix.length)] ?? []),
  ]);
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
