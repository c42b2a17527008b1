// `cairn run`: a tick every interval (with jitter, so many engines don't hit one remote in step),
// earlier when triggered (a push webhook). SIGTERM stops safely: the running tick is told to
// abandon its in-flight backups (a backup without its manifest is an incomplete upload, cleaned
// later, never restorable), skips what it has not started, reports, and the loop ends.
import type { Engine, TickResult } from './engine.ts';
import { idleCollector, type IdleCollector } from './idle-memory.ts';

export interface LoopOptions {
  intervalMs: number;
  /** Fraction of the interval added at random, default 0.1. */
  jitter?: number;
  signal: AbortSignal;
  /** Under leader election: the holder's term; `signal` aborts with it (see Engine.tick). */
  term?: AbortSignal;
  onTick?: (r: TickResult) => void;
  onError?: (err: unknown) => void;
  /** Collects garbage once the process has no tick running for a while (idle-memory.ts); default the process's own. */
  idle?: IdleCollector;
}

export class RunLoop {
  private wake?: () => void;
  private triggered = false;

  constructor(
    private readonly engine: Engine,
    private readonly opts: LoopOptions,
  ) {}

  /** Runs the next tick now (a webhook calls this); coalesces while a tick is running. */
  trigger(): void {
    this.triggered = true;
    this.wake?.();
  }

  async run(): Promise<void> {
    const { signal } = this.opts;
    const idle = this.opts.idle ?? idleCollector();
    while (!signal.aborted) {
      this.triggered = false;
      idle.tickStarted();
      try {
        this.opts.onTick?.(await this.engine.tick({ signal, ...(this.opts.term ? { term: this.opts.term } : {}) }));
      } catch (err) {
        this.opts.onError?.(err);
      } finally {
        idle.tickEnded();
      }
      if (signal.aborted || this.triggered) continue;
      await this.sleep(this.opts.intervalMs * (1 + Math.random() * (this.opts.jitter ?? 0.1)));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.opts.signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.opts.signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }
}
