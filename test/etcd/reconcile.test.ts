// etcd backups through the engine as a user runs it: `cairn reconcile --once` from a Git repo
// (a Cluster with spec.etcd over TLS, the CA path from an env var), status lastBackups with the
// etcd metadata, retention past keep through the grace period, and the plan showing them.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, humanCommit, makeRemote, tempRoot, type Remote } from '../git/helpers.ts';
import { statusOf } from '../engine/fixtures.ts';
import { startEtcdCluster, type EtcdTestCluster } from '../support/etcd.ts';
import { runCairn } from './helpers.ts';

const cairn = (args: string[], cwd: string, env: NodeJS.ProcessEnv) => runCairn(args, cwd, { CAIRN_REPO: '', ...env });

let etcd: EtcdTestCluster;
let root: string;
let cleanup: () => void;
beforeAll(async () => {
  ({ root, cleanup } = tempRoot());
  etcd = await startEtcdCluster({ members: 1, tls: true });
  await etcd.etcdctl(['put', '/registry/namespaces/default', 'ns']);
});
afterAll(async () => {
  await etcd?.stop();
  cleanup?.();
});

describe('cairn reconcile --once with an etcd policy', () => {
  let remote: Remote;
  let dataDir: string;
  const env = () => ({ ETCD_CA: etcd.tls!.caFile });
  const at = (t: string) => ['--repo', remote.bare, '--data-dir', dataDir, '--now', t];

  beforeAll(() => {
    dataDir = join(root, 'data');
    remote = makeRemote(
      root,
      {
        'locations/local.yaml': `apiVersion: cairn.dev/v1alpha1\nkind: BackupLocation\nmetadata: {name: local}\nspec:\n  default: true\n  provider: filesystem\n  filesystem: {path: backups}\n`,
        'clusters/cp.yaml': `apiVersion: cairn.dev/v1alpha1\nkind: Cluster\nmetadata: {name: cp}\nspec:\n  etcd:\n    endpoints: [${etcd.endpoints[0]}]\n    tls: {caFileFromEnv: ETCD_CA, certFile: ${etcd.tls!.certFile}, keyFile: ${etcd.tls!.keyFile}}\n`,
        'policies/etcd.yaml': `apiVersion: cairn.dev/v1alpha1\nkind: BackupPolicy\nmetadata: {name: etcd}\nspec:\n  type: etcd\n  cluster: cp\n  schedule: "@every 20m"\n  keep: 2\n  gracePeriod: 1h\n`,
      },
      { name: 'etcd' },
    );
  });

  it('plans the etcd backup like any other', async () => {
    const r = await cairn(['plan', '--repo', remote.bare, '--data-dir', join(root, 'plan-data'), '--now', '2026-11-21T06:00:00Z', '-o', 'json'], root, env());
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).actions).toEqual([expect.objectContaining({ type: 'backup', policy: 'etcd', backupName: 'etcd-20261121060000' })]);
  });

  it('takes scheduled snapshots, records their etcd metadata in status, and retention deletes past keep', async () => {
    const times = ['06:00', '06:20', '06:40', '07:00', '07:20', '07:40', '08:00'].map((t) => `2026-11-21T${t}:00Z`);
    for (const t of times) {
      const r = await cairn(['reconcile', '--once', ...at(t)], root, env());
      expect(r.code, r.stderr).toBe(0);
      await etcd.etcdctl(['put', `/registry/tick/${t}`, 'x']);
    }
    const status = statusOf(remote, 'status/policies/etcd.yaml').status;
    const rows = status.lastBackups;
    const newest = rows[0];
    expect(newest).toMatchObject({ name: 'etcd-20261121080000', phase: 'Completed', etcd: { version: '3.4.23', member: 'm0' } });
    expect(newest.etcd.clusterId).toMatch(/^[0-9a-f]+$/);
    expect(newest.etcd.revision).toBeGreaterThan(rows[1].etcd.revision);
    expect(newest.etcd.snapshotSize % 512).toBe(32);
    expect(newest.bytes).toBeGreaterThan(0);
    expect(newest.items).toBeUndefined();
    // keep: 2 with a 1h grace (the shortest validation accepts): a backup beyond keep is marked
    // on one tick (a backup taken in a tick counts from the next), deleted on a later one once
    // its grace has passed.
    const byName = Object.fromEntries(rows.map((r: { name: string }) => [r.name, r]));
    expect(byName['etcd-20261121060000']).toMatchObject({ deletePhase: 'Deleted', deleteTime: '2026-11-21T08:00:00Z' });
    expect(byName['etcd-20261121062000']).toMatchObject({ deletePhase: 'Expiring', deleteAfter: '2026-11-21T08:20:00Z' });
    const dir = join(dataDir, 'backups', 'backups');
    const kept = readdirSync(dir).filter((n) => existsSync(join(dir, n, 'manifest.json')));
    expect(kept.sort()).toEqual(['etcd-20261121062000', 'etcd-20261121064000', 'etcd-20261121070000', 'etcd-20261121072000', 'etcd-20261121074000', 'etcd-20261121080000']);
    // The commit trailers name the backups as for resource backups.
    const log = git(remote.bare, 'log', '--format=%B', '-n', '50');
    expect(log).toContain('Cairn-Action: backup etcd-20261121080000 Completed');
    expect(log).toMatch(/^backup etcd-20261121080000 Completed \(etcd snapshot of m0 at revision \d+, \d+ bytes\): slot 2026-11-21 08:00 has no backup$/m);
    expect(log).toContain('Cairn-Action: delete etcd-20261121060000 Deleted');
  });

  it('a RestoreRequest of an etcd policy verifies the latest backup and commits the per-member commands, touching nothing', async () => {
    const before = await etcd.etcdctl(['get', '', '--prefix', '--keys-only']);
    humanCommit(remote, { 'restores/etcd.yaml': `apiVersion: cairn.dev/v1alpha1\nkind: RestoreRequest\nmetadata: {name: etcd-rollback}\nspec:\n  policy: etcd\n` }, 'restore etcd');
    const r = await cairn(['reconcile', '--once', ...at('2026-11-21T08:05:00Z')], root, env());
    expect(r.code, r.stderr).toBe(0);
    const status = statusOf(remote, 'status/restores/etcd-rollback.yaml').status;
    expect(status).toMatchObject({ phase: 'Completed', backupName: 'etcd-20261121080000', etcd: { verified: true, problems: [] } });
    expect(status.message).toContain("etcd backup etcd-20261121080000 verified (cairn's sha256 and etcd's hash); the cluster was not touched");
    const peer = /m0=(\S+)/.exec(etcd.initialCluster)![1];
    expect(status.etcd.commands).toEqual([
      {
        member: 'm0',
        command: `cairn etcd restore etcd-20261121080000 --location local --repo . --data-dir /var/lib/etcd-from-etcd-20261121080000 --name m0 --initial-cluster m0=${peer} --initial-advertise-peer-urls ${peer} --initial-cluster-token etcd-rollback`,
      },
    ]);
    expect(await etcd.etcdctl(['get', '', '--prefix', '--keys-only'])).toBe(before);
  });

  it('cairn backup create --policy takes one etcd snapshot now, and backup describe shows its metadata', async () => {
    const data = join(root, 'create-data');
    const r = await cairn(['backup', 'create', '--policy', 'etcd', '--repo', remote.bare, '--data-dir', data, '--name', 'etcd-now'], root, env());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^backup etcd-now: Completed, etcd snapshot of m0 at revision \d+, /);
    const d = await cairn(['backup', 'describe', 'etcd-now', '--repo', remote.bare, '--data-dir', data], root, env());
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/^etcd version: +3\.4\.23$/m);
    expect(d.stdout).toMatch(/^etcd member: +m0 \(id [0-9a-f]+, https:\/\/127\.0\.0\.1:\d+\)$/m);
    const v = await cairn(['backup', 'verify', 'etcd-now', '--repo', remote.bare, '--data-dir', data], root, env());
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^backup etcd-now: OK \(etcd snapshot of \d+ bytes matches etcd's sha256; every artifact verified\)$/m);
  });
});
