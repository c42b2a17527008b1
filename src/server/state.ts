// What the HTTP server reads: the engine's current state (a snapshot taken without I/O), the
// recent ticks it was told about, and the last status commits. The run loop (or the demo) feeds
// it after every tick; no request ever lists storage or walks Git.
import type { EngineSnapshot, TickResult } from '../engine/engine.ts';
import { actionObject } from '../engine/results.ts';
import type { AuditEntry, AuditFilter } from '../git/index.ts';
import type { Plan } from '../plan/types.ts';
import type { Logger } from '../log.ts';
import { EngineMetrics } from './metrics.ts';

/** The engine's read side (src/engine/engine.ts implements it). */
export interface ReadSource {
  snapshot(): EngineSnapshot | undefined;
  previewPlan(now?: Date): Plan | undefined;
  backupLog(location: string, name: string): Promise<object[]>;
  audit(filter: AuditFilter): Promise<AuditEntry[]>;
}

export interface TickEvent {
  /** Wall-clock time the tick ended (RFC3339). */
  at: string;
  revision?: string;
  durationMs?: number;
  commit?: string;
  actions: { type: string; object: string; outcome: string; message?: string; trailer: string }[];
  blocked: string[];
  invalidFiles: string[];
  unobserved: Record<string, string>;
  /** The tick failed as a whole (sync, load, report). */
  error?: string;
}

/** Ticks and commits kept for /api/v1/events and the page. */
export const EVENTS_KEPT = 50;
export const COMMITS_KEPT = 20;

export class ServerState {
  readonly metrics = new EngineMetrics();
  /** Newest first. */
  readonly events: TickEvent[] = [];
  /** cairn's last status commits, newest first (read from Git after a tick that committed). */
  commits: AuditEntry[] = [];
  /** Changes whenever the ticks or commits above change (a memo key with the snapshot's generation). */
  version = 0;
  private commitsRead?: Promise<void>;

  constructor(
    readonly source?: ReadSource,
    private readonly logger?: Logger,
  ) {}

  recordTick(r: TickResult, at: Date = new Date()): void {
    this.metrics.recordTick(r);
    this.push({
      at: at.toISOString(),
      revision: r.sourceRevision,
      durationMs: r.durationMs,
      ...(r.commit ? { commit: r.commit } : {}),
      actions: r.results.map((a) => ({
        type: a.action.type,
        object: actionObject(a.action),
        outcome: a.outcome,
        ...(a.message ? { message: a.message } : {}),
        trailer: `${actionObject(a.action)} ${a.outcome}`,
      })),
      blocked: r.plan.blocked.map((b) => b.message),
      invalidFiles: [...new Set(r.plan.errors.map((e) => e.file))],
      unobserved: r.unobserved,
    });
    if (r.commit || this.commits.length === 0) this.refreshCommits();
  }

  recordError(err: unknown, at: Date = new Date()): void {
    this.metrics.recordError(err);
    this.push({ at: at.toISOString(), actions: [], blocked: [], invalidFiles: [], unobserved: {}, error: this.metrics.lastError! });
  }

  /** Re-reads the last status commits once (a tick that committed changed them). */
  refreshCommits(): Promise<void> {
    if (!this.source) return Promise.resolve();
    const read = (this.commitsRead ?? Promise.resolve()).then(async () => {
      try {
        this.commits = await this.source!.audit({ limit: COMMITS_KEPT });
        this.version++;
      } catch (err) {
        this.logger?.warn({ err: (err as Error).message }, 'cannot read the status commits for the page');
      }
    });
    this.commitsRead = read;
    return read;
  }

  private push(e: TickEvent): void {
    this.version++;
    this.events.unshift(e);
    if (this.events.length > EVENTS_KEPT) this.events.length = EVENTS_KEPT;
  }
}
