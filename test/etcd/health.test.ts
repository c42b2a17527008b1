// The health check before a snapshot, on a real 3-member etcd with TLS and client-certificate
// auth: one member down → Completed with a warning naming it; two down → Failed naming them;
// a NOSPACE alarm → Failed. Through runEtcdBackup and storage, as the engine runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocation } from '../../src/storage/open.ts';
import type { BackupStore } from '../../src/storage/index.ts';
import { runEtcdBackup } from '../../src/backup/etcd.ts';
import { closeMembers, connectMembers } from '../../src/etcd/connect.ts';
import { providers } from '../storage/fixtures.ts';
import { startEtcdCluster, type EtcdTestCluster } from '../support/etcd.ts';

const fsProvider = providers.find((p) => p.provider === 'filesystem')!;

async function freshStore(): Promise<BackupStore> {
  const { location, env } = await fsProvider.fresh();
  return openLocation(location, { env });
}

async function backup(c: EtcdTestCluster, store: BackupStore, name: string) {
  const members = connectMembers({ endpoints: c.endpoints, ...(c.tls ? { tls: c.tls } : {}) });
  try {
    return await runEtcdBackup({ members, store, name, policy: 'etcd', location: 'primary', clusterName: 'cp', trigger: name });
  } finally {
    closeMembers(members);
  }
}

describe('3 members, TLS with client certificates', () => {
  let c: EtcdTestCluster;
  beforeAll(async () => {
    c = await startEtcdCluster({ members: 3, tls: true });
    await c.etcdctl(['put', 'k', 'v']);
  });
  afterAll(async () => c?.stop());

  it('refuses a client without a certificate (the cluster really requires one)', async () => {
    const store = await freshStore();
    const members = connectMembers({ endpoints: c.endpoints, tls: { caFile: c.tls!.caFile } });
    try {
      const m = await runEtcdBackup({ members, store, name: 'nocert', policy: 'etcd', location: 'primary', clusterName: 'cp' });
      expect(m.phase).toBe('Failed');
      expect(m.errors[0]).toMatch(/etcd is not healthy, no snapshot taken: .*no quorum: 0 of 3/);
    } finally {
      closeMembers(members);
    }
  });

  it('healthy: snapshots a follower and says which and why', async () => {
    const store = await freshStore();
    const m = await backup(c, store, 'all-up');
    expect(m.phase).toBe('Completed');
    expect(m.warnings).toEqual([]);
    const leader = JSON.parse(await c.etcdctl(['endpoint', 'status', '-w', 'json']).then((s) => s.replace(/"(leader|member_id)":(\d+)/g, '"$1":"$2"')));
    const leaderId = BigInt(leader[0].Status.leader).toString(16);
    expect(m.etcd!.member.id).not.toBe(leaderId);
    const log = await store.readLog('all-up');
    expect(log).toContainEqual(expect.objectContaining({ msg: 'snapshot member chosen', reason: 'a healthy follower (spares the leader), the most caught-up one' }));
    expect((await store.verify('all-up')).ok).toBe(true);
  });

  it('one member of three down: Completed on quorum, with a warning naming it', async () => {
    await c.stopMember(2);
    try {
      const store = await freshStore();
      const m = await backup(c, store, 'one-down');
      expect(m.phase).toBe('Completed');
      expect(m.warnings).toHaveLength(1);
      expect(m.warnings[0]).toMatch(new RegExp(`^etcd member m2 \\(${c.endpoints[2]}\\) unreachable \\(connect ECONNREFUSED `));
      expect(m.warnings[0]).toContain('the backup proceeds on a quorum of 2 of 3');
      expect(m.etcd!.member.endpoint).not.toBe(c.endpoints[2]);
    } finally {
      await c.startMember(2);
    }
  });

  it('two members of three down: Failed, naming both', async () => {
    // Let the restarted member catch up first, so the survivor is the one we mean.
    await c.etcdctl(['endpoint', 'health']);
    await c.stopMember(1);
    await c.stopMember(2);
    try {
      const store = await freshStore();
      const m = await backup(c, store, 'two-down');
      expect(m.phase).toBe('Failed');
      expect(m.etcd).toBeUndefined();
      expect(m.errors).toHaveLength(1);
      expect(m.errors[0]).toMatch(/^etcd is not healthy, no snapshot taken: /);
      expect(m.errors[0]).toContain('no quorum');
      expect(m.errors[0]).toContain(`m1 (${c.endpoints[1]}) unreachable`);
      expect(m.errors[0]).toContain(`m2 (${c.endpoints[2]}) unreachable`);
      // A Failed backup is recorded (manifest, log, empty artifact) and never verifies as a snapshot.
      expect((await store.listInventory()).backups.map((b) => b.manifest?.phase)).toEqual(['Failed']);
    } finally {
      await c.startMember(1);
      await c.startMember(2);
    }
  });
});

describe('alarms', () => {
  let c: EtcdTestCluster;
  beforeAll(async () => {
    c = await startEtcdCluster({ members: 1, quotaBackendBytes: 1 << 20 });
  });
  afterAll(async () => c?.stop());

  it('a NOSPACE alarm (quota exceeded) fails the backup, naming the alarm and the member', async () => {
    const big = 'x'.repeat(64 * 1024);
    let full = false;
    for (let i = 0; i < 200 && !full; i++) {
      await c.etcdctl(['put', `fill-${i}`, big]).catch((err: Error) => {
        if (!/database space exceeded/.test(err.message)) throw err;
        full = true;
      });
    }
    expect(full).toBe(true);
    expect(await c.etcdctl(['alarm', 'list'])).toContain('NOSPACE');
    const store = await freshStore();
    const m = await backup(c, store, 'nospace');
    expect(m.phase).toBe('Failed');
    expect(m.errors[0]).toMatch(/^etcd is not healthy, no snapshot taken: NOSPACE alarm raised on m0 \(http:\/\/127.0.0.1:\d+\) \(the database exceeded its quota/);
    expect(m.errors[0]).toContain('m0');
  });
});
