// Several cairn replicas in one process against one policy repository (a bare Git repo on disk),
// one filesystem BackupLocation and one API simulator holding their Leases. Used by the HA tests
// and bench/ha.bench.ts, so it imports nothing from vitest.
import { mkdirSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Simulator } from '../../src/sim/index.ts';
import { connectCluster, type ClusterClient } from '../../src/cluster/connect.ts';
import { engineConfig } from '../../src/engine/config.ts';
import type { TickResult } from '../../src/engine/engine.ts';
import { LEASE_RESOURCE, type LeaseTiming } from '../../src/ha/lease-elector.ts';
import { Supervisor } from '../../src/ha/supervisor.ts';
import { git, makeRemote, type Remote } from '../git/helpers.ts';

export interface FleetSpec {
  root: string;
  sim: Simulator;
  /** kubeconfig file of the simulator (Leases and the backed-up clusters). */
  kubeconfig: string;
  clusters: string[];
  /** Policies, spread over the clusters round-robin; "@every 1m", never expired. */
  policies: number;
  /** Namespace every policy backs up. */
  namespace: string;
  replicas: number;
  shards?: number;
  timing: LeaseTiming;
  intervalMs: number;
  start: Date;
  concurrency?: number;
  name?: string;
}

export interface Replica {
  name: string;
  identity: string;
  supervisor: Supervisor;
  /** Leadership changes: wall-clock ms, lease, leading. */
  events: { at: number; lease: string; leading: boolean }[];
  /** "backup started" log lines: wall-clock ms and backup name. */
  started: { at: number; backup: string }[];
  ticks: { lease: string; result: TickResult }[];
  errors: { lease: string; err: unknown }[];
  stop: AbortController;
  done: Promise<void>;
}

export interface Fleet {
  remote: Remote;
  backupsDir: string;
  replicas: Replica[];
  policyNames: string[];
  leaseClient: ClusterClient;
  setNow(d: Date): void;
  now(): Date;
  /** Holder identity of a Lease ('' when free or missing). */
  holder(lease: string): Promise<string>;
  replicaOf(identity: string): Replica | undefined;
  stopAll(): Promise<void>;
}

export function clusterDoc(name: string, kubeconfig: string): string {
  return `apiVersion: cairn.dev/v1alpha1\nkind: Cluster\nmetadata: {name: ${name}}\nspec: {kubeconfig: ${kubeconfig}}\n`;
}

/** No cluster: the engine's own kubeconfig. */
export function policyDoc(name: string, cluster: string | undefined, namespace: string): string {
  return `apiVersion: cairn.dev/v1alpha1\nkind: BackupPolicy\nmetadata: {name: ${name}}\nspec:\n${cluster ? `  cluster: ${cluster}\n` : ''}  schedule: "@every 1m"\n  keep: 100000\n  includedNamespaces: [${namespace}]\n`;
}

export async function startFleet(spec: FleetSpec): Promise<Fleet> {
  const backupsDir = join(spec.root, `${spec.name ?? 'fleet'}-backups`);
  mkdirSync(backupsDir, { recursive: true });
  const files: Record<string, string> = {
    'locations/shared.yaml': `apiVersion: cairn.dev/v1alpha1\nkind: BackupLocation\nmetadata: {name: shared}\nspec:\n  default: true\n  provider: filesystem\n  filesystem: {path: ${backupsDir}}\n`,
  };
  for (const c of spec.clusters) files[`clusters/${c}.yaml`] = clusterDoc(c, spec.kubeconfig);
  const policyNames: string[] = [];
  for (let i = 0; i < spec.policies; i++) {
    const name = `p${i}`;
    policyNames.push(name);
    files[`policies/${name}.yaml`] = policyDoc(name, spec.clusters[i % spec.clusters.length], spec.namespace);
  }
  const remote = makeRemote(spec.root, files, { name: spec.name ?? 'fleet' });
  let now = spec.start;
  const leaseClient = await connectCluster({ kubeconfigPath: spec.kubeconfig, retry: { attempts: 1 } });
  const replicas: Replica[] = [];
  for (let r = 0; r < spec.replicas; r++) {
    const name = `cairn-${r}`;
    const identity = `${name}_${r}`;
    const started: Replica['started'] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (!line) continue;
          const rec = JSON.parse(line) as { time: number; msg: string; backup?: string; cluster?: string };
          // The engine's decision to start (engine/execute.ts, right after it checks its term),
          // not the backup's own first log line (backup/run.ts, with the cluster): that one comes
          // once the policy lock is taken, and on a loaded machine it can follow a step-down
          // that then abandons the backup.
          if (rec.msg === 'backup started' && rec.backup && rec.cluster === undefined) started.push({ at: rec.time, backup: rec.backup });
        }
        cb();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const replica = { name, identity, started, events: [], ticks: [], errors: [], stop: new AbortController() } as unknown as Replica;
    const config = engineConfig({
      repoUrl: remote.bare,
      dataDir: join(spec.root, `${spec.name ?? 'fleet'}-${name}`),
      kubeconfig: spec.kubeconfig,
      now: () => now,
      logger,
      concurrency: spec.concurrency ?? 4,
      author: { name: 'cairn', email: 'cairn@example.com' },
    });
    replica.supervisor = new Supervisor({
      config,
      client: leaseClient,
      namespace: 'default',
      leaseName: 'cairn',
      identity,
      timing: spec.timing,
      ...(spec.shards ? { shards: { count: spec.shards, home: r } } : {}),
      intervalMs: spec.intervalMs,
      jitter: 0,
      signal: replica.stop.signal,
      onTick: (lease, result) => replica.ticks.push({ lease, result }),
      onError: (lease, err) => replica.errors.push({ lease, err }),
      onLeadership: (lease, leading) => replica.events.push({ at: Date.now(), lease, leading }),
    });
    replica.done = replica.supervisor.run();
    replicas.push(replica);
  }
  return {
    remote,
    backupsDir,
    replicas,
    policyNames,
    leaseClient,
    setNow: (d) => (now = d),
    now: () => now,
    async holder(lease) {
      const obj = (await leaseClient.get(LEASE_RESOURCE, 'default', lease)) as { spec?: { holderIdentity?: string } } | undefined;
      return obj?.spec?.holderIdentity ?? '';
    },
    replicaOf: (identity) => replicas.find((r) => r.identity === identity),
    async stopAll() {
      for (const r of replicas) r.stop.abort();
      await Promise.all(replicas.map((r) => r.done));
      leaseClient.close();
    },
  };
}

/** Every cairn status commit on the remote, oldest first, with its Cairn-Action trailers. */
export function statusCommits(remote: Remote): { commit: string; actions: string[] }[] {
  const out = git(remote.bare, 'log', '--reverse', '--format=%H%x00%B%x01', 'main');
  const commits: { commit: string; actions: string[] }[] = [];
  for (const entry of out.split('\x01')) {
    const [commit, body] = entry.trim().split('\0');
    if (!commit || body === undefined) continue;
    const actions = body.split('\n').filter((l) => l.startsWith('Cairn-Action: ')).map((l) => l.slice('Cairn-Action: '.length).trim());
    if (actions.length || body.startsWith('cairn')) commits.push({ commit, actions });
  }
  return commits;
}

/** Backup names with a manifest in the shared location. */
export function storedBackups(backupsDir: string): string[] {
  const dir = join(backupsDir, 'backups');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => existsSync(join(dir, n, 'manifest.json'))).sort();
}

/** "<policy>-<YYYYMMDDhhmmss>" of a slot. */
export function slotName(policy: string, at: Date): string {
  return `${policy}-${at.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
}

export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
