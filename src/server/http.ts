// `cairn run --listen`: health, Prometheus metrics, a JSON view of the last tick, the read API
// (/api/v1), the status page (/), and a push webhook that runs the next tick early. Read-only
// except the webhook, which only wakes the loop.
//
// No request may end the engine: every input (request target, headers, method, body) is parsed
// defensively and answered 4xx, a handler that throws answers 500, and a request the HTTP parser
// rejects gets a 400 on its socket. Reads need the read token when one is set; the webhook needs
// the Git host's signature (auth.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Engine, TickResult } from '../engine/engine.ts';
import { RunLoop } from '../engine/loop.ts';
import type { Logger } from '../log.ts';
import { API_PREFIX, ReadApi } from './api.ts';
import { isReadToken, mayRead, TOKEN_COOKIE, verifyWebhook, type AuthConfig } from './auth.ts';
import { parseListen } from './listen.ts';
import { pageAsset } from './page.ts';
import { ServerState } from './state.ts';

// The server room's face to the CLI (one import, test/architecture.test.ts).
export { EngineMetrics } from './metrics.ts';
export { ServerState } from './state.ts';
export { authFromEnv, READ_TOKEN_ENV, WEBHOOK_SECRET_ENV, type AuthConfig } from './auth.ts';
export { isLoopback, parseListen } from './listen.ts';

export interface ServerOptions {
  /** `[host:]port`; a bare port binds 127.0.0.1. */
  listen: string;
  state: ServerState;
  auth: AuthConfig;
  /** Wakes the loop for a tick; the loop coalesces wake-ups into at most one pending tick. */
  onWebhook: () => void;
  /** Under leader election (issue 20): whether this replica leads or stands by. */
  role?: RoleProbe;
  logger?: Logger;
}

/** Under leader election: whether this replica leads or stands by. */
export type RoleProbe = () => { role: 'leader' | 'standby' };

/** Largest webhook body read (GitHub caps push payloads at 25 MB; the body only feeds the HMAC). */
export const MAX_WEBHOOK_BODY = 25 * 1024 * 1024;

const READ_PATHS = new Set(['/status', '/metrics']);

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
};

function send(res: ServerResponse, code: number, body: string | Buffer, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS, ...extra });
  res.end(body);
}

const JSON_TYPE = 'application/json; charset=utf-8';

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  send(res, code, `${JSON.stringify(body, null, 2)}\n`, JSON_TYPE);
}

/** The request's path and query, or undefined when the request target is not a URL path. */
export function parseTarget(target: string | undefined): { pathname: string; query: URLSearchParams } | undefined {
  if (!target || target.length > 8192) return undefined;
  // Origin-form only ("/path?query"): Node's parser also passes absolute-form targets
  // ("http://host/path", meant for proxies), and `new URL` throws on some ("http://[").
  let url: URL;
  try {
    url = new URL(target, 'http://localhost');
  } catch {
    return undefined;
  }
  if (!target.startsWith('/') || url.host !== 'localhost') return undefined;
  return { pathname: url.pathname, query: url.searchParams };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve('too-large');
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function createEngineServer(opts: ServerOptions): Server {
  const { state, auth, logger } = opts;
  const api = new ReadApi(state);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = parseTarget(req.url);
    if (!target) return send(res, 400, 'bad request target: expected a path such as /status\n');
    const { pathname, query } = target;
    const method = req.method ?? '';

    if (pathname === '/webhook') {
      if (method !== 'POST') return send(res, 405, 'POST only\n', undefined, { allow: 'POST' });
      const body = await readBody(req, MAX_WEBHOOK_BODY);
      if (body === 'too-large') {
        state.metrics.webhooks.inc({ result: 'refused' });
        return send(res, 413, `webhook body larger than ${MAX_WEBHOOK_BODY} bytes\n`, undefined, { connection: 'close' });
      }
      const verdict = verifyWebhook(auth, req.headers, body);
      if (!verdict.ok) {
        state.metrics.webhooks.inc({ result: 'refused' });
        return send(res, verdict.status, `${verdict.reason}\n`);
      }
      state.metrics.webhooks.inc({ result: 'accepted' });
      opts.onWebhook();
      return send(res, 202, 'tick scheduled\n');
    }

    if (method !== 'GET' && method !== 'HEAD') return send(res, 405, 'read-only: GET only (POST for /webhook)\n', undefined, { allow: 'GET, HEAD' });
    // Probes stay open: they say nothing but "up" and "ready".
    if (pathname === '/healthz') return send(res, 200, 'ok\n');
    // A standby is ready (a rollout must be able to proceed through it); it says what it is.
    if (pathname === '/readyz' && opts.role?.().role === 'standby') return send(res, 200, 'standby\n');
    if (pathname === '/readyz') return state.metrics.last ? send(res, 200, 'ready\n') : send(res, 503, 'no tick finished yet\n');

    // The page's login: /?token=… sets a cookie (HttpOnly, SameSite=Strict) and drops the token
    // from the address bar, so a browser can send the read token the API asks for.
    const loginToken = pathname === '/' ? query.get('token') : null;
    if (loginToken !== null) {
      if (!isReadToken(auth, loginToken)) return send(res, 401, 'wrong read token\n');
      return send(res, 303, 'signed in\n', undefined, { location: '/', 'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(loginToken)}; Path=/; HttpOnly; SameSite=Strict` });
    }
    const isRead = READ_PATHS.has(pathname) || pathname === API_PREFIX || pathname.startsWith(`${API_PREFIX}/`) || pageAsset(pathname) !== undefined;
    if (!isRead) return send(res, 404, 'not found\n');
    if (!mayRead(auth, req.headers)) {
      if (pageAsset(pathname) !== undefined) return send(res, 401, 'this engine needs its read token: open /?token=<CAIRN_READ_TOKEN> once\n', 'text/plain; charset=utf-8', { 'www-authenticate': 'Bearer realm="cairn"' });
      return sendJson(res, 401, { error: { code: 'Unauthorized', message: 'send the read token (CAIRN_READ_TOKEN) as "Authorization: Bearer <token>"' } });
    }

    if (pathname === '/metrics') {
      const text = await state.metrics.registry.metrics();
      return send(res, 200, text, state.metrics.registry.contentType);
    }
    if (pathname === '/status') {
      const last = state.metrics.last;
      return sendJson(res, 200, {
        ...(opts.role ? { leaderElection: opts.role() } : {}),
        lastError: state.metrics.lastError ?? null,
        lastTick: last ? { revision: last.sourceRevision, durationMs: last.durationMs, commit: last.commit ?? null, actions: last.results.map((r) => ({ type: r.action.type, outcome: r.outcome, reason: r.action.reason })), blocked: last.plan.blocked, invalidFiles: [...new Set(last.plan.errors.map((e) => e.file))], unobserved: last.unobserved } : null,
      });
    }
    if (pathname.startsWith(API_PREFIX)) {
      const cached = api.cached(req.url!);
      if (cached) return send(res, cached.status, cached.text, JSON_TYPE);
      const answer = await api.handle(pathname.slice(API_PREFIX.length) || '/', query);
      return send(res, answer.status, api.remember(req.url!, answer), JSON_TYPE);
    }
    const asset = pageAsset(pathname)!;
    return send(res, 200, asset.body, asset.type);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // The path only: a query may carry the read token (/?token=…).
      logger?.error({ err: (err as Error)?.message, path: String(req.url).split('?')[0].slice(0, 200) }, 'request failed');
      send(res, 500, 'internal error; see the engine log\n');
    });
  });
  // A request the HTTP parser rejects (bad method, header, chunking) never reaches the handler:
  // answer 400 and close, rather than leave the socket or the process to the default.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const code = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const reason = code === 431 ? 'Request Header Fields Too Large' : code === 408 ? 'Request Timeout' : 'Bad Request';
    socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: ${reason.length + 1}\r\n\r\n${reason}\n`);
  });
  // Slow clients cannot hold sockets forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  return server;
}

export function startServer(opts: ServerOptions): Promise<Server> {
  const { host, port } = parseListen(opts.listen);
  const server = createEngineServer(opts);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

// ---------------------------------------------------------------- an engine that serves

// The read API, the page and the webhook, with a run loop that ticks when a webhook arrives
// (coalesced) and otherwise every `intervalMs`. `cairn start --serve` uses it to keep the demo's
// engine serving after the scripted ticks.

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
