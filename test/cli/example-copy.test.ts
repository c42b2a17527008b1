// Issue 21, item 1: the example repository a walkthrough tells people to copy must never act on
// a cluster by itself. A copy of policies/, reconciled twice against the sample cluster, takes
// backups and writes nothing to the cluster: no restore, no namespace, no patched Management.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import { ROOT, cairn } from './helpers.ts';

let sim: Simulator;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-example-copy-'));
  sim = await startSimulator({ seedDir: join(ROOT, 'samples/cluster') });
  await sim.writeKubeconfig(join(root, 'kubeconfig.yaml'));
});

afterAll(async () => {
  await sim?.stop();
  rmSync(root, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=New User', '-c', 'user.email=new@example.com', ...args], { cwd, encoding: 'utf8' });
}

describe('a copy of the example repository', () => {
  it('holds no RestoreRequest anywhere under policies/', () => {
    const yaml = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? yaml(join(dir, e.name)) : [join(dir, e.name)]));
    const files = yaml(join(ROOT, 'policies')).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(execFileSync('cat', [f], { encoding: 'utf8' })).not.toMatch(/^kind:\s*RestoreRequest/m);
  });

  it('reconciled twice takes backups and writes nothing to the cluster', async () => {
    const work = join(root, 'cairn-policies');
    cpSync(join(ROOT, 'policies'), work, { recursive: true });
    git(work, 'init', '-q', '-b', 'main');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'Add backup policies');
    const bare = join(root, 'cairn-policies.git');
    git(root, 'clone', '-q', '--bare', work, bare);

    sim.resetStats();
    const env = { PROD_KUBECONFIG: join(root, 'kubeconfig.yaml'), CAIRN_PASSPHRASE: 'test passphrase' };
    const outputs: string[] = [];
    for (const now of ['2026-11-21T06:00:00Z', '2026-11-21T12:05:00Z']) {
      const r = await cairn(['reconcile', '--once', '--repo', bare, '--data-dir', join(root, 'data'), '--now', now], root, env);
      expect(r.code, r.stderr).toBe(0);
      outputs.push(r.stdout);
    }
    expect(outputs[0]).toMatch(/backup kcm-\d{14} Completed/);
    expect(outputs.join('\n')).not.toMatch(/restore/i);
    expect(sim.stats.reads).toBeGreaterThan(0);
    expect(sim.stats.writes).toBe(0);
    expect(git(bare, 'ls-tree', '-r', '--name-only', 'main', 'status/')).not.toContain('status/restores/');
  });
});
