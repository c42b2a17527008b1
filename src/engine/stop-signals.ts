// How `cairn run` stops, with or without leader election: the first SIGTERM/SIGINT aborts the
// run (in-flight backups are abandoned safely, then the tick reports); a second one exits at
// once. One home, so the single engine and the replica supervisor stop alike.
import { setMaxListeners } from 'node:events';
import type { Logger } from '../log.ts';

/** Installs the handlers; the function returned removes them (once the run has stopped). */
export function stopOnSignals(log: Logger, stop: AbortController, says: { stopping: string; forced: string }): () => void {
  // Every running backup and every request waiting to retry listens for the stop, and removes
  // its listener when it ends: as many listeners as work in flight, which passes Node's default
  // of 10 (a "possible memory leak" warning on every busy tick) without being one.
  setMaxListeners(0, stop.signal);
  let signals = 0;
  const onSignal = (sig: string) => {
    if (++signals > 1) {
      log.warn({ signal: sig }, says.forced);
      process.exit(130);
    }
    log.info({ signal: sig }, says.stopping);
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
