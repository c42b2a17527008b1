// The flags of `cairn run` for leader election and sharding, and what they resolve to: where the
// Leases live (the pod's namespace in-cluster, else --kubeconfig's cluster and context, namespace
// "default"), their timing (client-go's defaults), this replica's identity and home shard.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Option, type Command } from 'commander';
import { parseDuration } from '../schedule/duration.ts';
import { checkTiming, DEFAULT_TIMING, type LeaseTiming } from './lease-elector.ts';
import { replicaIndexFromPodName } from './shards.ts';

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface LeaderElectionFlags {
  leaderElect?: boolean;
  leaderElectNamespace?: string;
  leaderElectLeaseName?: string;
  leaderElectLeaseDuration?: string;
  leaderElectRenewDeadline?: string;
  leaderElectRetryPeriod?: string;
  shards?: string;
  shardIndex?: string;
  kubeconfig?: string;
}

export interface LeaderElection {
  namespace: string;
  leaseName: string;
  identity: string;
  timing: LeaseTiming;
  shards?: { count: number; home?: number };
  /** How to reach the cluster holding the Leases. */
  connect: { inCluster: true } | { kubeconfigPath?: string };
}

export function addLeaderElectionOptions(cmd: Command, env: NodeJS.ProcessEnv = process.env): Command {
  const sec = (ms: number) => `${ms / 1000}s`;
  return cmd
    .option('--leader-elect', 'run only while holding a coordination.k8s.io Lease; other replicas stand by', env.CAIRN_LEADER_ELECT === 'true')
    .option('--leader-elect-namespace <ns>', "namespace of the Leases (default: the pod's namespace in-cluster, else \"default\")", env.CAIRN_LEADER_ELECT_NAMESPACE)
    .option('--leader-elect-lease-name <name>', 'name of the Lease ("<name>-shard-<i>" with --shards)', 'cairn')
    .option('--leader-elect-lease-duration <duration>', 'how long others wait after the last renewal before taking the Lease', sec(DEFAULT_TIMING.leaseDurationMs))
    .option('--leader-elect-renew-deadline <duration>', 'the holder stops acting when it could not renew for this long', sec(DEFAULT_TIMING.renewDeadlineMs))
    .option('--leader-elect-retry-period <duration>', 'time between renewals and between attempts to take the Lease', sec(DEFAULT_TIMING.retryPeriodMs))
    .option('--shards <n>', "split the policies over n shards by their cluster's name, one Lease each (needs --leader-elect)", env.CAIRN_SHARDS)
    .addOption(new Option('--shard-index <i>', "this replica's home shard (default: the StatefulSet ordinal of POD_NAME or the host name)").env('CAIRN_SHARD_INDEX'));
}

/** undefined without --leader-elect; throws with a message naming the flag on bad input. */
export function leaderElection(o: LeaderElectionFlags, env: NodeJS.ProcessEnv = process.env): LeaderElection | undefined {
  if (!o.leaderElect) {
    if (o.shards !== undefined) throw new Error('--shards needs --leader-elect: each shard is held through its own Lease');
    return undefined;
  }
  const duration = (text: string | undefined, flag: string, fallback: number): number => {
    if (text === undefined) return fallback;
    try {
      return parseDuration(text);
    } catch (err) {
      throw new Error(`${flag}: ${(err as Error).message}`);
    }
  };
  const timing: LeaseTiming = {
    leaseDurationMs: duration(o.leaderElectLeaseDuration, '--leader-elect-lease-duration', DEFAULT_TIMING.leaseDurationMs),
    renewDeadlineMs: duration(o.leaderElectRenewDeadline, '--leader-elect-renew-deadline', DEFAULT_TIMING.renewDeadlineMs),
    retryPeriodMs: duration(o.leaderElectRetryPeriod, '--leader-elect-retry-period', DEFAULT_TIMING.retryPeriodMs),
  };
  const bad = checkTiming(timing);
  if (bad) throw new Error(bad);
  const podName = env.POD_NAME ?? hostname();
  let shards: LeaderElection['shards'];
  if (o.shards !== undefined) {
    const count = Number(o.shards);
    if (!Number.isInteger(count) || count < 1) throw new Error(`--shards must be a positive integer, got "${o.shards}"`);
    let home: number | undefined;
    if (o.shardIndex !== undefined) {
      home = Number(o.shardIndex);
      if (!Number.isInteger(home) || home < 0 || home >= count) throw new Error(`--shard-index must be an integer from 0 to ${count - 1}, got "${o.shardIndex}"`);
    } else {
      const ordinal = replicaIndexFromPodName(podName);
      // A replica beyond the shard count (a spare) has no home shard: it only takes over.
      home = ordinal !== undefined && ordinal < count ? ordinal : undefined;
    }
    shards = { count, ...(home !== undefined ? { home } : {}) };
  }
  const inCluster = !o.kubeconfig && !env.KUBECONFIG && Boolean(env.KUBERNETES_SERVICE_HOST);
  const namespace = o.leaderElectNamespace ?? (inCluster && existsSync(SA_NAMESPACE) ? readFileSync(SA_NAMESPACE, 'utf8').trim() : 'default');
  const leaseName = o.leaderElectLeaseName ?? 'cairn';
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(leaseName) || leaseName.length > 240) throw new Error(`--leader-elect-lease-name must be a DNS subdomain name, got "${leaseName}"`);
  return {
    namespace,
    leaseName,
    // client-go's convention (controller-runtime): the host name and a unique suffix, so a
    // restarted pod with the same name never mistakes its predecessor's Lease for its own.
    identity: `${podName}_${randomUUID()}`,
    timing,
    ...(shards ? { shards } : {}),
    connect: inCluster ? { inCluster: true } : { ...(o.kubeconfig ? { kubeconfigPath: o.kubeconfig } : {}) },
  };
}
