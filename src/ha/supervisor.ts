// `cairn run --leader-elect [--shards N]`: one Lease per shard (one Lease without sharding); the
// replica that holds a Lease runs that shard's reconcile loop, the others stand by.
//
// Each term gets a fresh Engine: its in-memory status and inventory cache describe the state when
// this replica last acted, which another holder may have changed since. The new engine re-reads
// both (status from Git, inventory from storage) on its first tick.
//
// A replica campaigns for its home shard (the StatefulSet ordinal) at once and for the others
// only after one lease duration, so at start-up every shard goes home; later, when a replica
// dies, the others take its shard over as soon as its Lease expires.
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import type { ClusterClient } from '../cluster/client.ts';
import type { EngineConfig } from '../engine/config.ts';
import { Engine, type TickResult } from '../engine/engine.ts';
import { RunLoop } from '../engine/loop.ts';
import { LeaseElector, type LeaseTiming } from './lease-elector.ts';
import type { ShardSpec } from './shards.ts';

export interface SupervisorOptions {
  config: EngineConfig;
  /** Where the Leases live. */
  client: Pick<ClusterClient, 'get' | 'create' | 'replace'>;
  namespace: string;
  /** Lease name; with shards, "<name>-shard-<i>". */
  leaseName: string;
  identity: string;
  timing: LeaseTiming;
  /** Sharding: how many shards, and this replica's home shard (undefined: none, e.g. a Deployment). */
  shards?: { count: number; home?: number };
  intervalMs: number;
  jitter?: number;
  signal: AbortSignal;
  onTick?: (lease: string, r: TickResult) => void;
  onError?: (lease: string, err: unknown) => void;
  onLeadership?: (lease: string, leading: boolean) => void;
}

export interface LeaseRole {
  lease: string;
  shard?: number;
  leading: boolean;
  /** The holder last observed ('' when free). */
  holder: string;
}

export interface RoleReport {
  /** "leader" when this replica holds at least one Lease, else "standby". */
  role: 'leader' | 'standby';
  identity: string;
  namespace: string;
  leases: LeaseRole[];
}

interface Slot {
  lease: string;
  shard?: ShardSpec;
  elector: LeaseElector;
  loop?: RunLoop;
  engine?: Engine;
  /** The running (or finishing) loop of the last term: a new term starts only after it ended. */
  running: Promise<void>;
}

export class Supervisor {
  private readonly slots: Slot[] = [];
  private readonly crashed = new AbortController();
  private readonly stop: AbortSignal;

  constructor(private readonly opts: SupervisorOptions) {
    this.stop = AbortSignal.any([opts.signal, this.crashed.signal]);
    const count = opts.shards?.count ?? 1;
    for (let i = 0; i < count; i++) {
      const lease = opts.shards ? `${opts.leaseName}-shard-${i}` : opts.leaseName;
      const elector = new LeaseElector({ client: opts.client, namespace: opts.namespace, name: lease, identity: opts.identity, ...opts.timing, logger: opts.config.logger });
      const slot: Slot = { lease, elector, running: Promise.resolve(), ...(opts.shards ? { shard: { index: i, count } } : {}) };
      elector.on((e) => {
        opts.onLeadership?.(lease, e.type === 'started');
        if (e.type === 'started') slot.running = slot.running.then(() => this.lead(slot, e.term));
      });
      this.slots.push(slot);
    }
  }

  /** Campaigns until the signal aborts; then waits for running ticks and releases held Leases. */
  async run(): Promise<void> {
    const { shards, timing } = this.opts;
    const signal = this.stop;
    await Promise.all(
      this.slots.map(async (slot) => {
        const home = !shards || shards.home === undefined ? !shards : slot.shard!.index === shards.home;
        if (shards && !home) await delay(timing.leaseDurationMs, signal);
        await slot.elector.run(signal);
      }),
    );
    await Promise.all(this.slots.map((s) => s.running));
  }

  /** The engines of the terms running now (one per Lease held). */
  engines(): Engine[] {
    return this.slots.flatMap((s) => (s.engine ? [s.engine] : []));
  }

  /** Runs the next tick of every held shard now (the push webhook). */
  trigger(): void {
    for (const s of this.slots) s.loop?.trigger();
  }

  role(): RoleReport {
    const leases = this.slots.map((s) => ({ lease: s.lease, ...(s.shard ? { shard: s.shard.index } : {}), leading: s.elector.isLeader(), holder: s.elector.holder }));
    return { role: leases.some((l) => l.leading) ? 'leader' : 'standby', identity: this.opts.identity, namespace: this.opts.namespace, leases };
  }

  /** For the tests: stop renewing (a partition) without stopping anything else. */
  electors(): LeaseElector[] {
    return this.slots.map((s) => s.elector);
  }

  /**
   * For the tests, the nearest an in-process replica comes to being killed: its terms end now,
   * nothing is released, nothing new starts. (Finished actions are still reported; a killed
   * process would leave them to storage, where the next holder's status finds them.)
   */
  crash(): void {
    for (const s of this.slots) {
      s.elector.paused = true;
      s.elector.releaseOnStop = false;
      s.elector.stepDown('crashed');
    }
    this.crashed.abort();
  }

  private async lead(slot: Slot, term: AbortSignal): Promise<void> {
    if (term.aborted || this.stop.aborted) return;
    const base = this.opts.config;
    const config: EngineConfig = {
      ...base,
      holder: this.opts.identity,
      ...(slot.shard ? { shard: slot.shard, workdir: join(base.dataDir, `shard-${slot.shard.index}`, 'repo') } : {}),
    };
    const engine = new Engine(config);
    slot.engine = engine;
    const signal = AbortSignal.any([this.stop, term]);
    // Every in-flight backup and request listens on it.
    setMaxListeners(0, signal);
    slot.loop = new RunLoop(engine, {
      intervalMs: this.opts.intervalMs,
      ...(this.opts.jitter !== undefined ? { jitter: this.opts.jitter } : {}),
      signal,
      term,
      onTick: (r) => this.opts.onTick?.(slot.lease, r),
      onError: (err) => this.opts.onError?.(slot.lease, err),
    });
    try {
      await slot.loop.run();
    } finally {
      slot.loop = undefined;
      slot.engine = undefined;
      engine.connections.close();
    }
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
