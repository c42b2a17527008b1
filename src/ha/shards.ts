// Sharding (`cairn run --shards N`): which shard owns a policy, a restore, a plan action and a
// status file. Pure: every replica computes the same answer from the same revision.
//
// A policy belongs to the shard of its cluster's name (a stable hash, FNV-1a 32-bit), so one
// cluster's policies stay together and one replica's connections and discovery serve them all.
// Policies without a cluster (the engine's default cluster) share the key "". A policy whose file
// was removed or is invalid has no readable cluster; it is keyed by its own name instead, the
// same on every replica.
import type { PolicyRepository } from '../api/types.ts';
import type { Plan, PlanAction } from '../plan/types.ts';

export interface ShardSpec {
  /** 0-based. */
  index: number;
  count: number;
}

/** FNV-1a, 32 bits: stable across processes and versions (unlike a seeded hash). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function shardOfKey(key: string, count: number): number {
  return count <= 1 ? 0 : fnv1a(key) % count;
}

/** The replica index of a StatefulSet pod: the ordinal after the last "-" ("cairn-2" → 2). */
export function replicaIndexFromPodName(name: string): number | undefined {
  const m = /-(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

export class ShardMap {
  private readonly policyCluster = new Map<string, string>();
  private readonly restoreCluster = new Map<string, string>();

  constructor(
    repo: PolicyRepository,
    readonly spec: ShardSpec,
  ) {
    for (const p of repo.policies) this.policyCluster.set(p.metadata.name, p.spec.cluster ?? '');
    for (const r of repo.restores) this.restoreCluster.set(r.metadata.name, r.spec.cluster ?? '');
  }

  private owns(key: string): boolean {
    return shardOfKey(key, this.spec.count) === this.spec.index;
  }

  ownsPolicy(name: string): boolean {
    const cluster = this.policyCluster.get(name);
    return this.owns(cluster !== undefined ? `cluster:${cluster}` : `policy:${name}`);
  }

  ownsRestore(name: string): boolean {
    const cluster = this.restoreCluster.get(name);
    return this.owns(cluster !== undefined ? `cluster:${cluster}` : `restore:${name}`);
  }

  ownsAction(a: PlanAction): boolean {
    switch (a.type) {
      case 'restore':
        return this.ownsRestore(a.restore);
      case 'cleanupIncomplete':
        // An upload without a manifest names no policy; its backup name is the same key everywhere.
        return this.owns(`incomplete:${a.location}/${a.backup}`);
      default:
        return this.ownsPolicy(a.policy);
    }
  }

  /** status/policies/<p>.yaml and status/restores/<r>.yaml by their object; the rest (errors.yaml) is shard 0's. */
  ownsStatusPath(path: string): boolean {
    const policy = /^status\/policies\/(.+)\.yaml$/.exec(path);
    if (policy) return this.ownsPolicy(policy[1]);
    const restore = /^status\/restores\/(.+)\.yaml$/.exec(path);
    if (restore) return this.ownsRestore(restore[1]);
    return this.spec.index === 0;
  }

  /** The plan restricted to this shard's actions; what the deletion cap held back stays reported. */
  restrict(plan: Plan): Plan {
    return { ...plan, actions: plan.actions.filter((a) => this.ownsAction(a)) };
  }
}
