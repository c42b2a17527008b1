// Issue 17: `cairn run` gives memory back once idle after a tick (src/engine/idle-memory.ts).
// The collector is driven with a recording gc() to check when it collects; the real gc() that
// cairn run uses is checked on its own. (What it does to RSS is a measurement: BENCHMARKS.md,
// start-up, `npm run bench -- startup`.)
import { describe, expect, it } from 'vitest';
import type { Engine, TickResult } from '../../src/engine/engine.ts';
import { RunLoop } from '../../src/engine/loop.ts';
import { IdleCollector } from '../../src/engine/idle-memory.ts';
import { exposedGc, type Gc } from '../../src/gc-pacer.ts';

function recorder(): { gc: Gc; calls: string[] } {
  const calls: string[] = [];
  return { calls, gc: (o) => void calls.push(o?.type ?? 'full') };
}

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

describe('idle collection', () => {
  it('after a tick: a young-generation collection at once, a full one when no tick has run for the delay', async () => {
    const { gc, calls } = recorder();
    const idle = new IdleCollector(20, gc);
    idle.tickStarted();
    expect(calls).toEqual([]);
    idle.tickEnded();
    expect(calls).toEqual(['minor']);
    expect(idle.pending).toBe(true);
    await until(() => idle.collections === 1);
    expect(calls).toEqual(['minor', 'full']);
    expect(idle.pending).toBe(false);
  });

  it('a tick that starts meanwhile cancels the pending collection; overlapping ticks collect after the last ends', () => {
    const { gc, calls } = recorder();
    const idle = new IdleCollector(60_000, gc);
    idle.tickStarted();
    idle.tickEnded();
    expect(idle.pending).toBe(true);
    idle.tickStarted(); // the next tick (a webhook) before the delay ran out
    expect(idle.pending).toBe(false);
    idle.tickStarted(); // a second engine's tick (shards under leader election)
    idle.tickEnded();
    expect(idle.pending).toBe(false);
    idle.tickEnded();
    expect(idle.pending).toBe(true);
    idle.stop();
    expect(idle.pending).toBe(false);
    expect(calls).toEqual(['minor', 'minor']);
  });

  it('the run loop reports its ticks to the collector', async () => {
    const { gc, calls } = recorder();
    const idle = new IdleCollector(10, gc);
    const stop = new AbortController();
    let ticks = 0;
    const engine = { tick: async () => (ticks++, {} as TickResult) } as unknown as Engine;
    const running = new RunLoop(engine, { intervalMs: 3_600_000, signal: stop.signal, onTick: () => {}, idle }).run();
    await until(() => idle.collections === 1);
    expect(ticks).toBe(1);
    expect(calls).toEqual(['minor', 'full']);
    stop.abort();
    await running;
  });

  it("Node's own gc() is exposed at run time and collects", () => {
    const gc = exposedGc();
    expect(typeof gc).toBe('function');
    let garbage: unknown[] | undefined = Array.from({ length: 200_000 }, (_, i) => ({ i }));
    const before = process.memoryUsage().heapUsed;
    garbage = undefined;
    void garbage;
    gc!();
    expect(process.memoryUsage().heapUsed).toBeLessThan(before - 4 * 1024 * 1024);
  });
});
