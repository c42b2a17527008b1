// `cairn run --leader-elect`: one replica of several. Connects to the cluster holding the Leases,
// runs the supervisor (a reconcile loop per Lease held), serves /healthz, /readyz ("standby" when
// it holds none) and /status, and stops safely on SIGTERM: loops end, held Leases are released
// so a standby takes over at once instead of after the lease duration.
import { Gauge } from 'prom-client';
import { connectCluster } from '../cluster/connect.ts';
import type { EngineConfig } from '../engine/config.ts';
import { ServerState, startServer, type AuthConfig } from '../server/http.ts';
import type { LeaderElection } from './options.ts';
import { stopOnSignals } from '../engine/stop-signals.ts';
import { Supervisor } from './supervisor.ts';

export interface ReplicaOptions {
  election: LeaderElection;
  config: EngineConfig;
  intervalMs: number;
  listen?: string;
  auth: AuthConfig;
}

/** Runs until SIGTERM/SIGINT; returns the exit code. */
export async function startReplica(opts: ReplicaOptions): Promise<number> {
  const { election, config } = opts;
  const log = config.logger;
  const stop = new AbortController();
  let client;
  try {
    // One attempt per request: the Lease loop has its own retry period and deadline.
    client = await connectCluster({ ...election.connect, retry: { attempts: 1 } }, config.env);
  } catch (err) {
    process.stderr.write(`cairn run: leader election: ${(err as Error).message}\n`);
    return 2;
  }
  // The page and /api/v1 read the engine of the first Lease this replica holds; a standby has none.
  let supervisor: Supervisor | undefined;
  const current = () => supervisor?.engines()[0];
  const state = new ServerState(
    {
      snapshot: () => current()?.snapshot(),
      previewPlan: (now) => current()?.previewPlan(now),
      backupLog: (location, name) => current()?.backupLog(location, name) ?? Promise.reject(new Error('this replica stands by; ask the leader')),
      audit: (filter) => current()?.audit(filter) ?? Promise.resolve([]),
    },
    log,
  );
  const metrics = state.metrics;
  const leading = new Gauge({ name: 'cairn_leader', help: '1 while this replica holds the Lease (and runs its shard), else 0', labelNames: ['lease'], registers: [metrics.registry] });
  supervisor = new Supervisor({
    config,
    client,
    namespace: election.namespace,
    leaseName: election.leaseName,
    identity: election.identity,
    timing: election.timing,
    ...(election.shards ? { shards: election.shards } : {}),
    intervalMs: opts.intervalMs,
    signal: stop.signal,
    onTick: (lease, r) => {
      state.recordTick(r);
      log.info({ lease, revision: r.sourceRevision, actions: r.results.length, commit: r.commit, ms: r.durationMs }, 'tick finished');
    },
    onError: (lease, err) => {
      state.recordError(err);
      log.error({ lease, err: (err as Error).message }, 'tick failed; retrying next interval');
    },
    onLeadership: (lease, lead) => {
      leading.set({ lease }, lead ? 1 : 0);
      log.info({ lease, identity: election.identity }, lead ? 'leading: this replica runs the reconcile loop' : 'standing by');
    },
  });
  let server;
  try {
    const sup = supervisor;
    server = opts.listen ? await startServer({ listen: opts.listen, state, auth: opts.auth, onWebhook: () => sup.trigger(), role: () => sup.role(), logger: log }) : undefined;
  } catch (err) {
    client.close();
    process.stderr.write(`cairn run: cannot listen on ${opts.listen}: ${(err as Error).message}\n`);
    return 2;
  }
  const unhook = stopOnSignals(log, stop, {
    stopping: 'stopping: abandoning in-flight backups safely, then releasing the Leases',
    forced: 'second signal: exiting now; held Leases expire on their own',
  });
  log.info({ repo: config.repoUrl, identity: election.identity, namespace: election.namespace, lease: election.leaseName, shards: election.shards?.count ?? null }, 'cairn run started with leader election');
  await supervisor.run();
  server?.close();
  client.close();
  unhook();
  log.info('cairn run stopped');
  return 0;
}
