// Prometheus metrics of the engine's ticks (/metrics).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TickResult } from '../engine/engine.ts';
import { conditionReason, errorCode } from '../errors.ts';

export class EngineMetrics {
  readonly registry = new Registry();
  private readonly ticks = new Counter({ name: 'cairn_ticks_total', help: 'Reconcile ticks by result', labelNames: ['result'], registers: [this.registry] });
  private readonly tickErrors = new Counter({ name: 'cairn_tick_errors_total', help: 'Ticks that failed, by the reason of their error code', labelNames: ['reason'], registers: [this.registry] });
  private readonly duration = new Histogram({ name: 'cairn_tick_duration_seconds', help: 'Duration of reconcile ticks', buckets: [0.05, 0.1, 0.2, 0.5, 1, 5, 30, 120, 600], registers: [this.registry] });
  private readonly actions = new Counter({ name: 'cairn_actions_total', help: 'Executed plan actions by type and outcome', labelNames: ['type', 'outcome'], registers: [this.registry] });
  /** Failures by the CamelCase reason of their error code (src/errors.ts): alert on LockHeld vs LocationUnavailable, not on messages. */
  private readonly failures = new Counter({ name: 'cairn_action_failures_total', help: 'Failed plan actions by type and reason', labelNames: ['type', 'reason'], registers: [this.registry] });
  private readonly lastSuccess = new Gauge({ name: 'cairn_last_successful_tick_timestamp_seconds', help: 'Unix time of the last tick that finished without error', registers: [this.registry] });
  private readonly invalid = new Gauge({ name: 'cairn_invalid_files', help: 'Policy repository files that failed validation', registers: [this.registry] });
  readonly webhooks = new Counter({ name: 'cairn_webhook_requests_total', help: 'POST /webhook requests by result (accepted, coalesced, refused)', labelNames: ['result'], registers: [this.registry] });
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
    for (const a of r.results) {
      this.actions.inc({ type: a.action.type, outcome: a.outcome });
      if (a.outcome === 'Failed') this.failures.inc({ type: a.action.type, reason: a.reason ?? 'Failed' });
    }
    this.lastSuccess.set(Date.now() / 1000);
    this.invalid.set(new Set(r.plan.errors.map((e) => e.file)).size);
  }

  recordError(err: unknown): void {
    this.lastError = err instanceof Error ? err.message : String(err);
    this.ticks.inc({ result: 'error' });
    this.tickErrors.inc({ reason: conditionReason(errorCode(err)) });
  }
}
