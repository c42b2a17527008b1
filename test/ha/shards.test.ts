// Shard ownership is a pure function of the repository: every replica must agree on it, and every
// action and status file must belong to exactly one shard.
import { describe, expect, it } from 'vitest';
import type { PolicyRepository } from '../../src/api/types.ts';
import type { Plan, PlanAction } from '../../src/plan/types.ts';
import { fnv1a, replicaIndexFromPodName, shardOfKey, ShardMap } from '../../src/ha/shards.ts';
import { leaderElection } from '../../src/ha/options.ts';

function repo(policies: [string, string | undefined][], restores: [string, string | undefined][] = []): PolicyRepository {
  return {
    locations: [],
    clusters: [],
    modifiers: [],
    errors: [],
    frozen: [],
    policies: policies.map(([name, cluster]) => ({ metadata: { name }, spec: cluster ? { cluster } : {} })),
    restores: restores.map(([name, cluster]) => ({ metadata: { name }, spec: cluster ? { cluster } : {} })),
  } as unknown as PolicyRepository;
}

describe('shards', () => {
  it('hash with FNV-1a 32, stable across processes (the published test vectors)', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
    expect(shardOfKey('anything', 1)).toBe(0);
  });

  it('read the StatefulSet ordinal from a pod name', () => {
    expect(replicaIndexFromPodName('cairn-0')).toBe(0);
    expect(replicaIndexFromPodName('cairn-backup-12')).toBe(12);
    expect(replicaIndexFromPodName('cairn-7d9f8-x2x4k')).toBeUndefined();
  });

  it('give each action and each status file to exactly one shard, keeping a cluster together', () => {
    const clusters = Array.from({ length: 40 }, (_, i) => `cluster-${i}`);
    const r = repo(
      Array.from({ length: 200 }, (_, i) => [`p${i}`, i % 5 === 0 ? undefined : clusters[i % 40]] as [string, string | undefined]),
      [['restore-a', 'cluster-3'], ['restore-b', undefined]],
    );
    const actions: PlanAction[] = [
      ...r.policies.map((p) => ({ type: 'backup', policy: p.metadata.name, location: 'l', backupName: `${p.metadata.name}-x`, reason: '' }) as PlanAction),
      { type: 'expire', policy: 'removed-policy', location: 'l', backup: 'removed-policy-1', deleteAfter: '', reason: '' },
      { type: 'restore', restore: 'restore-a', location: 'l', backupName: 'p3-x', reason: '' },
      { type: 'restore', restore: 'restore-b', location: 'l', backupName: 'p0-x', reason: '' },
      { type: 'cleanupIncomplete', location: 'l', backup: 'p9-y', lastModified: '', reason: '' },
    ];
    const paths = [...r.policies.map((p) => `status/policies/${p.metadata.name}.yaml`), 'status/policies/removed-policy.yaml', 'status/restores/restore-a.yaml', 'status/errors.yaml'];
    for (const count of [1, 2, 3, 4, 7]) {
      const maps = Array.from({ length: count }, (_, index) => new ShardMap(r, { index, count }));
      for (const a of actions) expect(maps.filter((m) => m.ownsAction(a)).length, JSON.stringify(a)).toBe(1);
      for (const p of paths) expect(maps.filter((m) => m.ownsStatusPath(p)).length, p).toBe(1);
      const plan = { actions } as Plan;
      expect(maps.flatMap((m) => m.restrict(plan).actions)).toHaveLength(actions.length);
      // One cluster's policies, and its restores, share a shard.
      const owner = (name: string) => maps.findIndex((m) => m.ownsPolicy(name));
      expect(new Set(['p3', 'p43', 'p83', 'p123'].map(owner)).size).toBe(1);
      expect(maps.findIndex((m) => m.ownsRestore('restore-a'))).toBe(owner('p3'));
      expect(maps.findIndex((m) => m.ownsStatusPath('status/errors.yaml'))).toBe(0);
    }
    // 40 clusters spread over 4 shards: none is empty.
    const four = Array.from({ length: 4 }, (_, index) => new ShardMap(r, { index, count: 4 }));
    for (const m of four) expect(r.policies.some((p) => m.ownsPolicy(p.metadata.name))).toBe(true);
  });
});

describe('leader-election flags', () => {
  it('default to client-go timing and name the flag on bad input', () => {
    expect(leaderElection({})).toBeUndefined();
    expect(() => leaderElection({ shards: '2' })).toThrow(/--shards needs --leader-elect/);
    const le = leaderElection({ leaderElect: true }, { POD_NAME: 'cairn-1' })!;
    expect(le).toMatchObject({ namespace: 'default', leaseName: 'cairn', timing: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }, connect: {} });
    expect(le.identity).toMatch(/^cairn-1_[0-9a-f-]{36}$/);
    expect(leaderElection({ leaderElect: true, shards: '3' }, { POD_NAME: 'cairn-2' })!.shards).toEqual({ count: 3, home: 2 });
    expect(leaderElection({ leaderElect: true, shards: '3' }, { POD_NAME: 'cairn-5' })!.shards).toEqual({ count: 3 });
    expect(leaderElection({ leaderElect: true, kubeconfig: '/k' }, { KUBERNETES_SERVICE_HOST: '10.0.0.1' })!.connect).toEqual({ kubeconfigPath: '/k' });
    expect(leaderElection({ leaderElect: true }, { KUBERNETES_SERVICE_HOST: '10.0.0.1' })!.connect).toEqual({ inCluster: true });
    expect(() => leaderElection({ leaderElect: true, shards: '0' })).toThrow(/--shards must be a positive integer/);
    expect(() => leaderElection({ leaderElect: true, shards: '2', shardIndex: '2' })).toThrow(/--shard-index must be an integer from 0 to 1/);
    expect(() => leaderElection({ leaderElect: true, leaderElectRenewDeadline: '20s' })).toThrow(/lease-duration must be greater than --leader-elect-renew-deadline/);
    expect(() => leaderElection({ leaderElect: true, leaderElectRetryPeriod: 'soon' })).toThrow(/--leader-elect-retry-period/);
    expect(() => leaderElection({ leaderElect: true, leaderElectLeaseName: 'Cairn_Lease' })).toThrow(/--leader-elect-lease-name/);
  });
});
