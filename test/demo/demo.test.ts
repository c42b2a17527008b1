// The embedded demo run non-interactively, its results checked through the real parts it used:
// the storage it wrote, the Git remote it pushed to, the simulated cluster it restored into.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRepository } from '../../src/api/loader.ts';
import { connectCluster } from '../../src/cluster/connect.ts';
import { runDemo, type DemoResult } from '../../src/demo/timeline.ts';
import { openLocation } from '../../src/storage/index.ts';

const HAVE_ETCD = spawnSync('sh', ['-c', 'command -v etcd'], { stdio: 'ignore' }).status === 0;
const root = mkdtempSync(join(tmpdir(), 'cairn-demo-test-'));
let demo: DemoResult;
const lines: string[] = [];

beforeAll(async () => {
  demo = await runDemo({
    dir: join(root, 'demo'),
    start: new Date('2026-11-21T06:00:00Z'),
    policiesDir: join(process.cwd(), 'policies'),
    samplesDir: join(process.cwd(), 'samples/cluster'),
    say: (l) => lines.push(l),
  });
}, 180_000);

afterAll(async () => {
  await demo?.sim.stop();
  rmSync(root, { recursive: true, force: true });
});

function git(...args: string[]): string {
  return execFileSync('git', ['--git-dir', demo.repo.bare, ...args], { encoding: 'utf8' });
}

describe('npm start: the embedded demo', () => {
  it('leaves backups in every location whose checksums verify', async () => {
    const repo = await loadRepository(demo.workdir);
    let verified = 0;
    for (const loc of repo.locations) {
      const store = await openLocation(loc, { baseDir: demo.dataDir, env: { ...process.env, CAIRN_PASSPHRASE: demo.passphrase } });
      const inv = await store.listInventory();
      for (const b of inv.backups.filter((x) => x.manifest)) {
        const v = await store.verify(b.name);
        expect(v.problems).toEqual([]);
        expect(v.ok).toBe(true);
        verified++;
      }
    }
    // kcm x2, daily-encrypted x2, before-upgrade, etcd-like (3 left after retention), the safety backup.
    expect(verified).toBeGreaterThanOrEqual(9);
  });

  it('pushes status commits with Cairn trailers, one per tick that changed something', () => {
    const subjects = git('log', '--format=%s', '--author=cairn').trim().split('\n');
    expect(subjects.length).toBe(demo.ticks.filter((t) => t.result.commit).length);
    expect(subjects.at(-1)).toBe('cairn: 4 backups completed [skip ci]');
    const actions = git('log', '--format=%(trailers:key=Cairn-Action,valueonly)').split('\n').filter(Boolean);
    expect(actions).toContain('restore rollback-release Completed');
    expect(actions).toContain('delete etcd-like-20261121060000 Deleted');
    const revisions = git('log', '--author=cairn', '--format=%(trailers:key=Cairn-Revision,valueonly)').split('\n').filter(Boolean);
    expect(revisions.length).toBe(subjects.length);
  });

  it('restores the Management object with the modifier’s /spec/release and maps team-a', async () => {
    const client = await connectCluster({ kubeconfigPath: demo.kubeconfig });
    try {
      const mgmt = await client.get({ group: 'k0rdent.mirantis.com', version: 'v1alpha1', resource: 'managements', namespaced: false }, undefined, 'kcm');
      expect((mgmt as any).spec.release).toBe('kcm-1-0-0');
      const ns = await client.get({ group: '', version: 'v1', resource: 'namespaces', namespaced: false }, undefined, 'team-a-restored');
      expect(ns).toBeDefined();
    } finally {
      client.close();
    }
    const restoreTick = demo.ticks.find((t) => t.result.results.some((r) => r.action.type === 'restore'))!;
    const restore = restoreTick.result.results.find((r) => r.action.type === 'restore')!;
    expect(restore.outcome).toBe('Completed');
    expect(restore.restore?.preRestoreBackup).toMatch(/^rollback-release-pre-/);
    // Run once: the following tick does nothing.
    expect(demo.ticks.find((t) => t.label === 'one more tick: the restore is not run again')!.result.results).toEqual([]);
  });

  it('deletes an expired backup only after its grace period', () => {
    const markedAt = demo.ticks.findIndex((t) => t.result.results.some((r) => r.action.type === 'expire' && (r.action as any).backup === 'etcd-like-20261121060000'));
    const deletedAt = demo.ticks.findIndex((t) => t.result.results.some((r) => r.action.type === 'delete' && (r.action as any).backup === 'etcd-like-20261121060000'));
    expect(markedAt).toBeGreaterThan(0);
    expect(deletedAt).toBeGreaterThan(markedAt + 1); // a tick inside the grace period deleted nothing
    for (const t of demo.ticks.slice(markedAt, deletedAt)) expect(t.result.results.filter((r) => r.action.type === 'delete')).toEqual([]);
    const mark = demo.ticks[markedAt].result.results.find((r) => r.action.type === 'expire')!.action as any;
    expect(new Date(demo.ticks[deletedAt].at).getTime()).toBeGreaterThanOrEqual(new Date(mark.deleteAfter).getTime());
  });

  it('runs from the CLI (`npm start` is `cairn start`) and says where to look', () => {
    const r = spawnSync(process.execPath, ['bin/cairn.js', 'start', '--dir', join(root, 'cli-demo'), '--start', '2026-11-21T06:00:00Z'], { encoding: 'utf8', timeout: 170_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // The etcd step adds a tick and a commit when an etcd binary is installed.
    expect(r.stdout).toMatch(HAVE_ETCD ? /Done: 10 ticks, 9 status commits/ : /Done: 9 ticks, 8 status commits/);
    expect(r.stdout).toContain('cairn backup get --location local');
    // An absolute --dir stays absolute in the hints, and the vault's passphrase is given.
    expect(r.stdout).toContain(`--data-dir ${join(root, 'cli-demo', 'data')}`);
    expect(r.stdout).toContain("CAIRN_PASSPHRASE='cairn-demo-passphrase");
    expect(lines.join('\n')).toContain('7/7');
  }, 180_000);

  it.runIf(HAVE_ETCD)('takes an etcd snapshot of a local etcd through the engine when etcd is installed', async () => {
    const t = demo.ticks.find((x) => x.label === 'etcd snapshot after the merge')!;
    expect(t.result.results.map((r) => [r.action.type, r.outcome])).toEqual([['backup', 'Completed']]);
    const manifest = t.result.results[0].manifest!;
    expect(manifest).toMatchObject({ type: 'etcd', policy: 'prod-etcd', location: 'vault', etcd: { member: { name: 'cp-1' } } });
    expect(manifest.encryption).toBeDefined();
    expect(lines.join('\n')).toContain('etcd: a pull request adds an etcd policy (type: etcd)');
  });

  it.runIf(!HAVE_ETCD)('says in one line that it skips the etcd step without an etcd binary', () => {
    expect(lines.filter((l) => l.startsWith('etcd: skipped'))).toHaveLength(1);
  });
});
