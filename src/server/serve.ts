// An engine that serves its state: the read API, the page and the webhook, with a run loop that
// ticks when a webhook arrives (coalesced) and otherwise every `intervalMs`. `cairn start --serve`
// uses it to keep the demo's engine serving after the scripted ticks.
import type { Server } from 'node:http';
import type { Engine, TickResult } from '../engine/engine.ts';
import { RunLoop } from '../engine/loop.ts';
import type { Logger } from '../log.ts';
import type { AuthConfig } from './auth.ts';
import { startServer } from './http.ts';
import { parseListen } from './listen.ts';
import { ServerState } from './state.ts';

export interface ServedEngine {
  /** http://host:port/ */
  url: string;
  state: ServerState;
  server: Server;
  /** Stops the loop (after its running tick) and the server. */
  stop(): Promise<void>;
}

export interface ServeOptions {
  listen: string;
  auth: AuthConfig;
  intervalMs: number;
  /** Ticks that ran before serving (the demo's), oldest first, with the time each ended. */
  history?: { result: TickResult; at: Date }[];
  logger?: Logger;
  onTick?: (r: TickResult) => void;
}

export async function serveEngine(engine: Engine, opts: ServeOptions): Promise<ServedEngine> {
  const state = new ServerState(engine, opts.logger);
  for (const t of opts.history ?? []) state.recordTick(t.result, t.at);
  const stop = new AbortController();
  const loop = new RunLoop(engine, {
    intervalMs: opts.intervalMs,
    signal: stop.signal,
    onTick: (r) => {
      state.recordTick(r, engine.config.now());
      opts.onTick?.(r);
    },
    onError: (err) => {
      state.recordError(err, engine.config.now());
      opts.logger?.error({ err: (err as Error).message }, 'tick failed');
    },
  });
  const server = await startServer({ listen: opts.listen, state, auth: opts.auth, onWebhook: () => loop.trigger(), ...(opts.logger ? { logger: opts.logger } : {}) });
  const running = loop.run();
  const { host } = parseListen(opts.listen);
  const port = (server.address() as { port: number }).port;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    state,
    server,
    async stop() {
      stop.abort();
      await running;
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
