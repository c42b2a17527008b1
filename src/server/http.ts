// `cairn run --listen`: health, Prometheus metrics, a JSON view of the last tick, and a push
// webhook that runs the next tick early. Read-only except the webhook, which only wakes the loop.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TickResult } from '../engine/engine.ts';

export class EngineMetrics {
  readonly registry = new Registry();
  private readonly ticks = new Counter({ name: 'cairn_ticks_total', help: 'Reconcile ticks by result', labelNames: ['result'], registers: [this.registry] });
  private readonly duration = new Histogram({ name: 'cairn_tick_duration_seconds', help: 'Duration of reconcile ticks', buckets: [0.05, 0.1, 0.2, 0.5, 1, 5, 30, 120, 600], registers: [this.registry] });
  private readonly actions = new Counter({ name: 'cairn_actions_total', help: 'Executed plan actions by type and outcome', labelNames: ['type', 'outcome'], registers: [this.registry] });
  private readonly lastSuccess = new Gauge({ name: 'cairn_last_successful_tick_timestamp_seconds', help: 'Unix time of the last tick that finished without error', registers: [this.registry] });
  private readonly invalid = new Gauge({ name: 'cairn_invalid_files', help: 'Policy repository files that failed validation', registers: [this.registry] });
  last?: TickResult;
  lastError?: string;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  recordTick(r: TickResult): void {
    this.last = r;
    this.lastError = undefined;
    this.ticks.inc({ result: 'ok' });
    this.duration.observe(r.durationMs / 1000);
    for (const a of r.results) this.actions.inc({ type: a.action.type, outcome: a.outcome });
    this.lastSuccess.set(Date.now() / 1000);
    this.invalid.set(new Set(r.plan.errors.map((e) => e.file)).size);
  }

  recordError(err: unknown): void {
    this.lastError = err instanceof Error ? err.message : String(err);
    this.ticks.inc({ result: 'error' });
  }
}

/** Under leader election: whether this replica leads or stands by, and the Leases it watches. */
export type RoleProbe = () => { role: 'leader' | 'standby' };

export function startServer(listen: string, metrics: EngineMetrics, onWebhook: () => void, role?: RoleProbe): Promise<Server> {
  const [host, portText] = listen.includes(':') ? [listen.slice(0, listen.lastIndexOf(':')) || '127.0.0.1', listen.slice(listen.lastIndexOf(':') + 1)] : ['127.0.0.1', listen];
  const server = createServer((req, res) => {
    const send = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/healthz') return send(200, 'ok\n');
    // A standby is ready (a rollout must be able to proceed through it); it says what it is.
    if (req.method === 'GET' && url.pathname === '/readyz' && role?.().role === 'standby') return send(200, 'standby\n');
    if (req.method === 'GET' && url.pathname === '/readyz') return metrics.last ? send(200, 'ready\n') : send(503, 'no tick finished yet\n');
    if (req.method === 'GET' && url.pathname === '/metrics') {
      metrics.registry.metrics().then((text) => send(200, text, metrics.registry.contentType), (err) => send(500, String(err)));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/status') {
      const last = metrics.last;
      const body = {
        ...(role ? { leaderElection: role() } : {}),
        lastError: metrics.lastError ?? null,
        lastTick: last ? { revision: last.sourceRevision, durationMs: last.durationMs, commit: last.commit ?? null, actions: last.results.map((r) => ({ type: r.action.type, outcome: r.outcome, reason: r.action.reason })), blocked: last.plan.blocked, invalidFiles: [...new Set(last.plan.errors.map((e) => e.file))], unobserved: last.unobserved } : null,
      };
      return send(200, `${JSON.stringify(body, null, 2)}\n`, 'application/json');
    }
    if (req.method === 'POST' && url.pathname === '/webhook') {
      req.resume();
      onWebhook();
      return send(202, 'tick scheduled\n');
    }
    send(404, 'not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(portText), host, () => resolve(server));
  });
}
