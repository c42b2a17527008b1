// Gives memory back once the engine has gone idle after a tick (issue 17: `cairn run` idle at
// ≤ 90 MiB RSS).
//
// What a tick leaves behind, measured on `cairn run` against the sample repository (BENCHMARKS.md,
// start-up): V8 grows its young generation to 2 × 16 MiB during the tick and keeps it committed
// afterwards, and nothing else collects while the engine sleeps. V8's own memory reducer gives it
// back only ~100 s later: it waits for a low allocation rate, judged from the last ten GCs, and
// an idle engine makes none. One full collection once the process has been idle for more than
// V8's 5 s allocation-throughput window does it at once: V8 then sees a low allocation rate and
// shrinks the young generation to its initial size (at 3 s it does not: the tick is still in the
// window). It compacts the old generation too (compacting, below). Measured 8 s after the first
// tick: RSS ~101 -> 80-85 MiB, young generation 32 -> 1 MiB committed; the collections take a few
// ms of a sleeping engine's time, none of a tick's.
//
// gc() comes from V8's extension, exposed at run time (src/gc-pacer.ts, exposedGc).
import { setFlagsFromString } from 'node:v8';
import { exposedGc, type Gc } from '../gc-pacer.ts';

/**
 * Runs `collect` with V8 compacting the old generation on a full collection, as its memory
 * reducer does, then back to V8's own choice. The old generation is left fragmented by a tick
 * (22 MiB committed for 18 MiB live after a plain full collection); compacted it is 18.4 MiB:
 * `cairn run` idle 86 -> 82 MiB (median of 3, BENCHMARKS.md). The flag is read at each
 * collection, so it applies to this one only.
 */
function compacting(collect: () => void): void {
  try {
    setFlagsFromString('--compact-on-every-full-gc');
  } catch {
    // unknown to this runtime: a plain full collection
  }
  try {
    collect();
  } finally {
    try {
      setFlagsFromString('--no-compact-on-every-full-gc');
    } catch {
      // as above
    }
  }
}

/** Idle time after a tick before collecting: more than V8's 5 s allocation-throughput window. */
export const IDLE_COLLECT_MS = 6_000;

/**
 * Counts running ticks across the process's engines (one, or one per shard under leader
 * election) and collects once when none has run for `afterMs`.
 */
export class IdleCollector {
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Collections made (for tests and logs). */
  collections = 0;

  constructor(
    private readonly afterMs = IDLE_COLLECT_MS,
    private readonly gc: Gc | undefined = exposedGc(),
  ) {}

  tickStarted(): void {
    this.running++;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  tickEnded(): void {
    this.running = Math.max(0, this.running - 1);
    if (this.running > 0 || !this.gc) return;
    // A young-generation collection now (~1-3 ms) marks where the tick's allocation ended, so
    // that when the full one runs, V8 measures the idle time since then as the allocation rate,
    // not the tick's (otherwise what the tick allocated after its last collection can keep the
    // rate above V8's threshold for up to ~17 s, and the full collection grows the young
    // generation instead).
    this.gc({ type: 'minor' });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running > 0) return;
      compacting(() => this.gc?.());
      this.collections++;
    }, this.afterMs);
    this.timer.unref();
  }

  /** Whether a full collection is scheduled. */
  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** Cancels a pending collection (the loop stopped). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The process's collector, shared by every RunLoop in it. */
let shared: IdleCollector | undefined;
export function idleCollector(): IdleCollector {
  return (shared ??= new IdleCollector());
}
