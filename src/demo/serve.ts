// `cairn start --serve`: after the scripted ticks the demo's engine keeps serving its page and
// read API (server/serveEngine). It ticks on a push webhook only: the demo clock does not move,
// so a timer would only repeat the last tick.
import type { TickResult } from '../engine/engine.ts';
import { createLogger } from '../log.ts';
import { authFromEnv, serveEngine, type ServedEngine } from '../server/http.ts';
import type { DemoResult } from './timeline.ts';

export async function serveDemo(demo: DemoResult, o: { listen: string; webhookInsecure: boolean }): Promise<ServedEngine> {
  const history: { result: TickResult; at: Date }[] = demo.ticks.map((t) => ({ result: t.result, at: new Date(t.at) }));
  return serveEngine(demo.engine, {
    listen: o.listen,
    auth: authFromEnv(process.env, o.webhookInsecure),
    intervalMs: 24 * 3_600_000,
    history,
    logger: createLogger({ level: process.env.CAIRN_LOG_LEVEL ?? 'warn' }),
  });
}
