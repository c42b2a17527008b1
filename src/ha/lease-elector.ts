// Leader election on a coordination.k8s.io/v1 Lease, the algorithm of client-go's
// tools/leaderelection (leaderelection.go, tryAcquireOrRenew) with its defaults (15s lease,
// 10s renew deadline, 2s retry period). @kubernetes/client-node 1.4.0 ships no leader election,
// so this is the small loop, spoken through cairn's own cluster client.
//
// Safety rests on three rules:
// - Writes are conditional: every update carries the resourceVersion read, so of two candidates
//   racing for an expired Lease exactly one wins (the other gets 409 Conflict).
// - A candidate judges expiry by its own clock from when it first *observed* the current record
//   (not by the holder's renewTime), so clock skew between replicas cannot shorten a lease.
// - The holder counts its term from the moment it *sent* its last successful renewal and stops
//   leading renewDeadline after it, whether or not later requests answer. renewDeadline <
//   leaseDuration, so a holder cut off from the apiserver stops acting before anyone else may
//   take the Lease.
import type { ClusterClient } from '../cluster/client.ts';
import { ClusterError } from '../cluster/errors.ts';
import type { KubeObject } from '../cluster/types.ts';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';

export const LEASE_RESOURCE = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true, kind: 'Lease' } as const;

/** client-go's defaults (k8s.io/component-base/config/v1alpha1 defaults.go). */
export const DEFAULT_TIMING = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export interface LeaseTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface ElectorOptions extends LeaseTiming {
  client: Pick<ClusterClient, 'get' | 'create' | 'replace'>;
  namespace: string;
  name: string;
  identity: string;
  logger?: Logger;
  /** Milliseconds; the tests' clock. */
  now?: () => number;
}

export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions: number;
}

/** Checks the timing the way client-go's NewLeaderElector does, with flag names in the message. */
export function checkTiming(t: LeaseTiming): string | undefined {
  if (t.leaseDurationMs < 1000) return '--leader-elect-lease-duration must be at least 1s (a Lease counts whole seconds)';
  if (t.renewDeadlineMs <= 0 || t.retryPeriodMs <= 0) return '--leader-elect-renew-deadline and --leader-elect-retry-period must be positive';
  if (t.leaseDurationMs <= t.renewDeadlineMs) return '--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline';
  if (t.renewDeadlineMs <= t.retryPeriodMs * 1.2) return '--leader-elect-renew-deadline must be greater than 1.2 x --leader-elect-retry-period';
  return undefined;
}

/** metav1.MicroTime: RFC3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export type ElectorEvent = { type: 'started'; term: AbortSignal } | { type: 'stopped'; reason: string };

export class LeaseElector {
  private readonly now: () => number;
  private readonly log: Logger;
  /** The record last read, as JSON, and when this replica first saw it (its own clock). */
  private observedRaw = '';
  private observedAt = 0;
  private observed?: { record: LeaseRecord; resourceVersion: string };
  /** Send time of the last successful acquire/renew while leading; undefined when not leading. */
  private renewedAt?: number;
  private term?: AbortController;
  private renewedAtEver = false;
  /** When the last term ended (this replica's clock). */
  private endedAt = 0;
  private deadline?: NodeJS.Timeout;
  private listeners: ((e: ElectorEvent) => void)[] = [];
  /** Stops renewals without releasing: a partition, for the tests. */
  paused = false;
  /** Whether run() gives the Lease up when it ends; a crash, for the tests, does not. */
  releaseOnStop = true;

  constructor(private readonly opts: ElectorOptions) {
    this.now = opts.now ?? Date.now;
    this.log = (opts.logger ?? silentLogger).child({ component: 'leader-election', lease: `${opts.namespace}/${opts.name}` });
  }

  get identity(): string {
    return this.opts.identity;
  }

  /** True while this replica may act: it renewed less than renewDeadline ago. */
  isLeader(): boolean {
    return this.renewedAt !== undefined && this.now() < this.renewedAt + this.opts.renewDeadlineMs;
  }

  /** The holder as last observed ('' when free), for /status. */
  get holder(): string {
    return this.observed?.record.holderIdentity ?? '';
  }

  on(listener: (e: ElectorEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Campaigns and renews until `signal` aborts; then releases the Lease if it holds it. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (!this.paused) {
        const sentAt = this.now();
        // A request that hangs must not stall the loop past a renew deadline (client-go bounds
        // each renewal the same way); its late answer is ignored.
        const ok = await withTimeout(this.tryAcquireOrRenew(sentAt), this.opts.renewDeadlineMs).catch((err: unknown) => {
          this.log.warn({ err: (err as Error).message }, 'lease request failed');
          return false;
        });
        if (ok) this.renewed(sentAt);
      }
      if (!this.isLeader() && this.term) this.stepDown('renew deadline passed without a successful renewal');
      // client-go waits retryPeriod between renewals, and retryPeriod x (1 + up to 1.2) between
      // acquisition attempts so that candidates spread out.
      const wait = this.term ? this.opts.retryPeriodMs : this.opts.retryPeriodMs * (1 + Math.random() * 1.2);
      await sleep(wait, signal);
    }
    if (this.term) this.stepDown('shutting down');
    if (this.releaseOnStop && this.renewedAtEver) {
      await this.release().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'could not release the lease; it expires on its own'));
    }
  }

  private renewed(sentAt: number): void {
    // An answer to a request sent before the term ended (or while cut off) does not revive it.
    if (this.paused || sentAt < this.endedAt) return;
    this.renewedAt = sentAt;
    this.renewedAtEver = true;
    clearTimeout(this.deadline);
    const left = sentAt + this.opts.renewDeadlineMs - this.now();
    if (left <= 0) return;
    // The term ends by the clock, not by the next loop iteration: a request that hangs must not
    // extend it.
    this.deadline = setTimeout(() => this.stepDown('renew deadline passed without a successful renewal'), left);
    this.deadline.unref?.();
    if (!this.term) {
      this.term = new AbortController();
      this.log.info({ identity: this.opts.identity }, 'became leader');
      this.emit({ type: 'started', term: this.term.signal });
    }
  }

  /** Ends the current term now (a crash or a deliberate step-down). */
  stepDown(reason: string): void {
    clearTimeout(this.deadline);
    this.renewedAt = undefined;
    if (!this.term) return;
    this.endedAt = this.now();
    const term = this.term;
    this.term = undefined;
    this.log.warn({ identity: this.opts.identity, reason }, 'stopped leading');
    term.abort(new Error(`leadership lost: ${reason}`));
    this.emit({ type: 'stopped', reason });
  }

  private emit(e: ElectorEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** One step of client-go's tryAcquireOrRenew; true when this replica holds the Lease now. */
  async tryAcquireOrRenew(nowMs: number): Promise<boolean> {
    const { client, namespace, name, identity } = this.opts;
    const durationSeconds = Math.ceil(this.opts.leaseDurationMs / 1000);
    const current = await client.get(LEASE_RESOURCE, namespace, name);
    if (!current) {
      const record: LeaseRecord = { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: microTime(nowMs), renewTime: microTime(nowMs), leaseTransitions: 0 };
      try {
        const created = await client.create(LEASE_RESOURCE, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: record } as KubeObject);
        this.observe(created, nowMs);
        return true;
      } catch (err) {
        if (err instanceof ClusterError && err.code === 'cluster.alreadyExists') return false;
        throw err;
      }
    }
    this.observe(current, nowMs);
    const old = this.observed!.record;
    const mine = old.holderIdentity === identity;
    if (old.holderIdentity !== '' && !mine && this.observedAt + old.leaseDurationSeconds * 1000 > nowMs) return false;
    const record: LeaseRecord = {
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: mine && old.acquireTime ? old.acquireTime : microTime(nowMs),
      renewTime: microTime(nowMs),
      leaseTransitions: mine ? old.leaseTransitions : old.leaseTransitions + 1,
    };
    try {
      const updated = await client.replace(LEASE_RESOURCE, { ...current, spec: { ...(current as Record<string, any>).spec, ...record } } as KubeObject);
      this.observe(updated, nowMs);
      return true;
    } catch (err) {
      // Someone else wrote first: read again next round.
      if (err instanceof ClusterError && err.code === 'cluster.conflict') return false;
      throw err;
    }
  }

  /** Gives the Lease up at once (client-go's ReleaseOnCancel): an empty holder, a 1s duration. */
  async release(): Promise<void> {
    const current = await this.opts.client.get(LEASE_RESOURCE, this.opts.namespace, this.opts.name);
    const spec = (current as Record<string, any> | undefined)?.spec;
    if (!current || spec?.holderIdentity !== this.opts.identity) return;
    await this.opts.client.replace(LEASE_RESOURCE, { ...current, spec: { ...spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.now()) } } as KubeObject);
    this.log.info('lease released');
  }

  private observe(obj: KubeObject, nowMs: number): void {
    const spec = (obj as Record<string, any>).spec ?? {};
    const record: LeaseRecord = {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? Math.ceil(this.opts.leaseDurationMs / 1000),
      ...(spec.acquireTime ? { acquireTime: spec.acquireTime } : {}),
      ...(spec.renewTime ? { renewTime: spec.renewTime } : {}),
      leaseTransitions: spec.leaseTransitions ?? 0,
    };
    const raw = JSON.stringify(record);
    if (raw !== this.observedRaw) {
      this.observedRaw = raw;
      this.observedAt = nowMs;
    }
    this.observed = { record, resourceVersion: String(obj.metadata.resourceVersion ?? '') };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the API server within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
