// Issue 16 (Low): webhook requests coalesce into at most one pending tick, however many arrive.
// The loop's scheduling is tested with an engine stand-in whose tick the test holds open, so
// "while a tick runs" is exact rather than a race against the clock; the webhooks go through
// the real HTTP server and its signature check.
import { afterEach, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { Engine, TickResult } from '../../src/engine/engine.ts';
import { RunLoop } from '../../src/engine/loop.ts';
import { startServer, ServerState } from '../../src/server/http.ts';

class HeldEngine {
  started = 0;
  private release?: () => void;
  /** Resolves when a tick has started and is being held. */
  private onStart?: () => void;
  async tick(): Promise<TickResult> {
    this.started++;
    this.onStart?.();
    await new Promise<void>((r) => (this.release = r));
    return { revision: 'r', sourceRevision: 'r', plan: { revision: 'r', now: '', actions: [], notes: [], blocked: [], policies: [], errors: [], frozen: [], maxDeletionsPerTick: 1 }, results: [], changedFiles: [], unobserved: {}, durationMs: 0 };
  }
  waitForTick(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (this.started >= n ? resolve() : undefined);
      this.onStart = check;
      check();
    });
  }
  finishTick(): void {
    this.release?.();
  }
}

let server: Server | undefined;
const stop = new AbortController();
afterEach(() => {
  stop.abort();
  server?.close();
});

describe('webhook coalescing', () => {
  it('100 signed webhooks during a tick schedule exactly one more tick; one during the sleep wakes the loop at once', async () => {
    const engine = new HeldEngine();
    // onTick is given: RunLoop calls `onTick?.(await engine.tick())`, which skips the tick itself
    // when onTick is absent (optional chaining short-circuits its arguments).
    const loop = new RunLoop(engine as unknown as Engine, { intervalMs: 3_600_000, signal: stop.signal, onTick: () => {} });
    const running = loop.run();
    server = await startServer({ listen: '127.0.0.1:0', state: new ServerState(), auth: { webhookSecret: 's' }, onWebhook: () => loop.trigger() });
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const body = '{"ref":"refs/heads/main"}';
    const hook = () => fetch(`${base}/webhook`, { method: 'POST', body, headers: { 'x-hub-signature-256': `sha256=${createHmac('sha256', 's').update(body).digest('hex')}` } }).then((r) => r.status);

    await engine.waitForTick(1);
    // Tick 1 is running: a burst of webhooks.
    expect(await Promise.all(Array.from({ length: 100 }, hook))).toEqual(Array(100).fill(202));
    engine.finishTick();
    await engine.waitForTick(2); 
    // More arrive during tick 2: again at most one pending.
    expect(await Promise.all(Array.from({ length: 20 }, hook))).toEqual(Array(20).fill(202));
    engine.finishTick();
    await engine.waitForTick(3); 
    engine.finishTick();
    // Tick 3 ends with nothing pending: the loop sleeps its hour instead of ticking again.
    await new Promise((r) => setTimeout(r, 200));
    expect(engine.started).toBe(3);
    // A webhook during the sleep wakes the loop for one tick.
    expect(await hook()).toBe(202);
    await engine.waitForTick(4); 
    expect(engine.started).toBe(4);
    stop.abort();
    engine.finishTick();
    await running;
    expect(engine.started).toBe(4);
  });
});
