// The stop signal of `cairn run` is listened to by every backup and retrying request in flight:
// more than Node's default of 10 at once is normal there, not a leak, and must not print a
// "possible memory leak" warning on every busy tick.
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { stopOnSignals } from '../../src/engine/stop-signals.ts';
import { silentLogger } from '../../src/log.ts';

describe('stopOnSignals', () => {
  it('lets the work in flight listen to the stop without a MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const stop = new AbortController();
    const unhook = stopOnSignals(silentLogger, stop, { stopping: 'stopping', forced: 'forced' });
    try {
      const stopped: number[] = [];
      for (let i = 0; i < 40; i++) stop.signal.addEventListener('abort', () => stopped.push(i), { once: true });
      await tick();
      expect(warnings).not.toContain('MaxListenersExceededWarning');
      stop.abort();
      expect(stopped).toHaveLength(40);
    } finally {
      unhook();
      process.off('warning', onWarning);
    }
  });
});
