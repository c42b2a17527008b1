// `cairn etcd restore` on real parts: a 3-member etcd is backed up (encrypted location), written
// to afterwards, then rebuilt member by member from the backup into new data directories with
// the CLI, and started: keys and revision are the snapshot's, later writes are absent. And the
// refusals, each before anything is written: non-empty --data-dir, a tampered artifact, a
// Failed backup, no etcdutl/etcdctl on PATH.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocation } from '../../src/storage/open.ts';
import type { BackupStore } from '../../src/storage/index.ts';
import { readAll } from '../../src/storage/json-io.ts';
import { layout } from '../../src/storage/layout.ts';
import { loadRepository } from '../../src/api/loader.ts';
import { runEtcdBackup } from '../../src/backup/etcd.ts';
import { closeMembers, connectMembers } from '../../src/etcd/connect.ts';
import type { BackupManifest } from '../../src/storage/types.ts';
import { tempRoot } from '../git/helpers.ts';
import { freePort, startEtcdCluster, type EtcdTestCluster } from '../support/etcd.ts';
import { runCairn } from './helpers.ts';

const PASS = 'CAIRN_TEST_ETCD_PASSPHRASE';
const env = { [PASS]: 'restore-test-passphrase' };

const cairn = (args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}) => runCairn(args, cwd, { ...env, ...extraEnv });

let etcd: EtcdTestCluster;
let root: string;
let cleanup: () => void;
let repoDir: string;
let store: BackupStore;
let manifest: BackupManifest;
const restored: ChildProcess[] = [];

beforeAll(async () => {
  ({ root, cleanup } = tempRoot());
  etcd = await startEtcdCluster({ members: 3 });
  for (let i = 0; i < 50; i++) await etcd.etcdctl(['put', `/registry/k${String(i).padStart(2, '0')}`, `v${i}`]);
  repoDir = join(root, 'repo');
  mkdirSync(join(repoDir, 'locations'), { recursive: true });
  writeFileSync(
    join(repoDir, 'locations/local.yaml'),
    `apiVersion: cairn.dev/v1alpha1\nkind: BackupLocation\nmetadata: {name: local}\nspec:\n  default: true\n  provider: filesystem\n  filesystem: {path: ${join(root, 'storage')}}\n  encryption: {passphraseFromEnv: ${PASS}}\n`,
  );
  store = await openLocation((await loadRepository(repoDir)).locations[0], { env });
  const members = connectMembers({ endpoints: etcd.endpoints });
  try {
    manifest = await runEtcdBackup({ members, store, name: 'etcd-snap', policy: 'etcd', location: 'local', clusterName: 'cp', trigger: 'snap' });
  } finally {
    closeMembers(members);
  }
  expect(manifest.phase).toBe('Completed');
  await etcd.etcdctl(['put', '/registry/later', 'written after the snapshot']);
});

afterAll(async () => {
  for (const p of restored) if (p.exitCode === null) p.kill('SIGTERM');
  await etcd?.stop();
  cleanup?.();
});

const restoreArgs = (backup: string, dataDir: string, name = 'r0', peer = 'http://127.0.0.1:1') => [
  'etcd', 'restore', backup, '--repo', repoDir, '--cairn-data-dir', join(root, 'cairn-data'), '--data-dir', dataDir, '--name', name,
  '--initial-cluster', `${name}=${peer}`, '--initial-advertise-peer-urls', peer,
];

describe('cairn etcd restore refuses before touching anything', () => {
  it('a non-empty --data-dir', async () => {
    const dir = join(root, 'busy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'member'), 'old data');
    const r = await cairn(restoreArgs('etcd-snap', dir), root);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cairn etcd restore: --data-dir ${dir} is not empty (member): move the old data directory aside first`);
  });

  it('no etcdutl or etcdctl on PATH', async () => {
    const dir = join(root, 'no-tool');
    const emptyBin = join(root, 'empty-bin');
    mkdirSync(emptyBin, { recursive: true });
    const r = await cairn(restoreArgs('etcd-snap', dir), root, { PATH: emptyBin });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cairn etcd restore: neither etcdutl nor etcdctl is on PATH');
    expect(existsSync(dir)).toBe(false);
  });

  it("a stored artifact that does not match cairn's sha256", async () => {
    const key = layout.etcd('etcd-snap', true);
    const good = await readAll(await store.objects.get(key));
    const bad = Buffer.from(good);
    bad[100] ^= 0x01;
    await store.objects.put(key, bad);
    try {
      const dir = join(root, 'tampered');
      const r = await cairn(restoreArgs('etcd-snap', dir), root);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^cairn etcd restore: backup etcd-snap: etcd\.db\.gz\.enc does not match its manifest .*refusing to use it/m);
      expect(existsSync(dir)).toBe(false);
    } finally {
      await store.objects.put(key, good);
    }
  });

  it('a backup that is not a Completed etcd snapshot', async () => {
    const members = connectMembers({ endpoints: ['http://127.0.0.1:1'] });
    try {
      const failed = await runEtcdBackup({ members, store, name: 'etcd-dead', policy: 'etcd2', location: 'local', clusterName: 'cp', trigger: 'dead' });
      expect(failed.phase).toBe('Failed');
    } finally {
      closeMembers(members);
    }
    const r = await cairn(restoreArgs('etcd-dead', join(root, 'from-failed')), root);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/backup etcd-dead is Failed \(etcd is not healthy.*\): it holds no snapshot to restore/);
  });
});

describe('full restore of a 3-member cluster', () => {
  it('rebuilds every member from one backup; the cluster starts with the snapshot keys and revision, without later writes', async () => {
    const members = [];
    for (let i = 0; i < 3; i++) members.push({ name: `r${i}`, client: `http://127.0.0.1:${await freePort()}`, peer: `http://127.0.0.1:${await freePort()}`, dir: join(root, `restored-${i}`) });
    const initialCluster = members.map((m) => `${m.name}=${m.peer}`).join(',');
    for (const m of members) {
      const r = await cairn(
        ['etcd', 'restore', 'etcd-snap', '--repo', repoDir, '--cairn-data-dir', join(root, 'cairn-data'), '--data-dir', m.dir, '--name', m.name, '--initial-cluster', initialCluster, '--initial-advertise-peer-urls', m.peer, '--initial-cluster-token', 'restored'],
        root,
      );
      expect(r.stderr).toContain("verifying cairn's sha256 and etcd's hash");
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`restored etcd-snap (revision ${manifest.etcd!.revision}) into ${m.dir} for member ${m.name} with etcdctl`);
    }
    for (const m of members) {
      const out = openSync(`${m.dir}.log`, 'a');
      restored.push(spawn('etcd', ['--name', m.name, '--data-dir', m.dir, '--listen-client-urls', m.client, '--advertise-client-urls', m.client, '--listen-peer-urls', m.peer, '--initial-advertise-peer-urls', m.peer, '--heartbeat-interval', '50', '--election-timeout', '500'], { stdio: ['ignore', out, out] }));
    }
    const endpoints = members.map((m) => m.client);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await etcd.etcdctl(['endpoint', 'health'], endpoints);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const keys = (await etcd.etcdctl(['get', '/registry/', '--prefix', '--keys-only'], endpoints)).split('\n').filter(Boolean);
    expect(keys).toHaveLength(50);
    expect(keys[0]).toBe('/registry/k00');
    expect(keys).not.toContain('/registry/later');
    const header = await etcd.etcdctl(['get', '/registry/k00', '-w', 'json'], endpoints);
    expect(Number(/"revision":(\d+)/.exec(header)![1])).toBe(manifest.etcd!.revision);
    const list = await etcd.etcdctl(['member', 'list'], endpoints);
    for (const m of members) expect(list).toContain(m.name);
  });
});
