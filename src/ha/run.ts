// `cairn run` as a process: the application function behind the command. One replica runs the
// engine's loop (a tick every interval, and one early on a push webhook); with --leader-elect,
// startReplica (replica.ts) runs a loop per Lease held instead. With --listen the HTTP server
// (server/) serves beside the loop; the first SIGTERM/SIGINT stops it safely (stop-signals.ts).
// The command only parses flags, builds the EngineConfig, and exits with the code returned.
import type { EngineConfig } from '../engine/config.ts';
import { Engine } from '../engine/engine.ts';
import { RunLoop } from '../engine/loop.ts';
import { stopOnSignals } from '../engine/stop-signals.ts';
import { authFromEnv, isLoopback, parseListen, READ_TOKEN_ENV, ServerState, startServer, WEBHOOK_SECRET_ENV } from '../server/http.ts';
import type { LeaderElection } from './options.ts';

/** The host `--listen <[host:]port>` binds; throws a message naming the flag when it does not parse. */
export function checkListen(text: string): string {
  return parseListen(text).host;
}

export interface RunOptions {
  config: EngineConfig;
  intervalMs: number;
  /** --interval as given, for the start-up log line. */
  interval: string;
  listen?: string;
  webhookInsecure: boolean;
  /** --leader-elect: several replicas share the work through Leases. */
  election?: LeaderElection;
}

/** Runs until SIGTERM/SIGINT; returns the exit code. */
export async function runReconciler(o: RunOptions): Promise<number> {
  const { config } = o;
  const auth = authFromEnv(process.env, o.webhookInsecure);
  if (o.election) {
    // The Kubernetes client that holds the Leases is loaded only when electing (issue 17).
    const { startReplica } = await import('./replica.ts');
    return startReplica({ election: o.election, config, intervalMs: o.intervalMs, ...(o.listen ? { listen: o.listen } : {}), auth });
  }
  const engine = new Engine(config);
  const stop = new AbortController();
  const log = config.logger;
  const state = new ServerState(engine, log);
  const loop = new RunLoop(engine, {
    intervalMs: o.intervalMs,
    signal: stop.signal,
    onTick: (r) => {
      state.recordTick(r);
      log.info({ revision: r.sourceRevision, actions: r.results.length, commit: r.commit, ms: r.durationMs }, 'tick finished');
    },
    onError: (err) => {
      state.recordError(err);
      log.error({ err: (err as Error).message }, 'tick failed; retrying next interval');
    },
  });
  if (o.listen) {
    const host = checkListen(o.listen);
    if (!auth.webhookSecret && !auth.webhookInsecure) log.warn(`POST /webhook answers 403: ${WEBHOOK_SECRET_ENV} is not set (set it to the secret of your Git host's webhook, or pass --webhook-insecure on a trusted network)`);
    if (!auth.readToken && !isLoopback(host)) log.warn({ listen: o.listen }, `the page, /api/v1, /status and /metrics are open to anyone who can reach ${host}: set ${READ_TOKEN_ENV} to require a token`);
  }
  const server = o.listen ? await startServer({ listen: o.listen, state, auth, onWebhook: () => loop.trigger(), logger: log }) : undefined;
  const unhook = stopOnSignals(log, stop, {
    stopping: 'stopping: abandoning in-flight backups safely, then reporting',
    forced: 'second signal: exiting now; in-flight uploads stay incomplete and are cleaned later',
  });
  log.info({ repo: config.repoUrl, interval: o.interval, listen: o.listen }, 'cairn run started');
  await loop.run();
  server?.close();
  unhook();
  log.info('cairn run stopped');
  return 0;
}
