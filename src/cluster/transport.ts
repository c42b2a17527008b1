// HTTP to the API server with the KubeConfig's credentials and TLS settings.
// A user whose credentials can change (an exec plugin, an auth provider: OIDC refresh, a rotated
// service-account token file) gets its auth headers from the KubeConfig again for every request,
// as the library does for each of its own calls; static credentials (a token, basic auth, client
// certificates) are read once per Transport, which saves that work on every request of a
// 10,000-object restore. Connections are pooled with keep-alive. 429 and 5xx are retried with
// exponential backoff and jitter, honouring Retry-After.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { stringifyExact } from '../exact-json.ts';
import { ClusterError, describeTarget, errorFromStatus, type KubeStatus, type RequestTarget } from './errors.ts';

export interface RetryOptions {
  /** Total attempts per request, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 6, baseDelayMs: 250, maxDelayMs: 15_000 };

/**
 * Connections kept per Transport. One client serves callers of different widths (discovery and
 * lists at a few at a time, a restore's apply at 16-32), so the pool must not be the narrower
 * limit: requests beyond it would queue in the agent while a latency-bound server sits idle.
 * Sockets open only on demand.
 */
export const DEFAULT_MAX_SOCKETS = 64;
/** One API answer, at most: a list page of 500 objects at etcd's 1.5 MiB object limit fits. */
export const MAX_RESPONSE_BYTES = 1024 * 1024 * 1024;

export interface Request {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  contentType?: string;
  /** Accept header; default application/json. */
  accept?: string;
  target: RequestTarget;
  signal?: AbortSignal;
}

export interface Response {
  status: number;
  body: Buffer;
}

/** Statuses worth retrying: throttled, or the server (or something in front of it) failing. */
function retryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

const RETRYABLE_NET = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * Whether a failed attempt may be repeated. A create (POST) or a JSON patch that hit a 5xx
 * may have been applied, so those repeat only when the server said it did nothing:
 * 429, or 503 with Retry-After.
 */
function mayRetry(req: Request, status: number | undefined, retryAfter: boolean): boolean {
  const idempotent = req.method !== 'POST' && !(req.method === 'PATCH' && req.contentType === 'application/json-patch+json');
  if (status === undefined) return idempotent;
  if (!retryableStatus(status)) return false;
  return idempotent || status === 429 || (status === 503 && retryAfter);
}

/** What a request carries besides its own headers: the credentials' headers and basic auth. */
interface Credentials {
  headers: Record<string, string>;
  auth?: string;
}

export class Transport {
  private agent: http.Agent | undefined;
  /** Set when the credentials cannot change (see the top of this file): reused by every request. */
  private fixedCredentials: Credentials | undefined;
  private readonly base: URL;

  constructor(
    private readonly kc: KubeConfig,
    readonly server: string,
    private readonly retry: RetryOptions = DEFAULT_RETRY,
    private readonly maxSockets = DEFAULT_MAX_SOCKETS,
    /** The most one response may hold; past it the request fails naming the cap (issue 16.5). */
    private readonly maxResponseBytes = MAX_RESPONSE_BYTES,
  ) {
    this.base = new URL(server);
  }

  /** Builds the connection pool once from the KubeConfig's TLS material (or its proxy agent). */
  private async pool(): Promise<http.Agent> {
    if (this.agent) return this.agent;
    const opts: https.RequestOptions = {};
    try {
      await this.kc.applyToHTTPSOptions(opts);
    } catch (err) {
      throw new ClusterError('cluster.config', `cannot use the kubeconfig for ${this.server}: ${(err as Error).message}`);
    }
    const user = this.kc.getCurrentUser();
    if (!user?.exec && !user?.authProvider) this.fixedCredentials = credentialsOf(opts);
    if (this.kc.getCurrentCluster()?.proxyUrl) {
      this.agent = opts.agent as http.Agent;
    } else if (this.base.protocol === 'http:') {
      this.agent = new http.Agent({ keepAlive: true, maxSockets: this.maxSockets });
    } else {
      this.agent = new https.Agent({
        keepAlive: true,
        maxSockets: this.maxSockets,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        pfx: opts.pfx,
        passphrase: opts.passphrase,
        servername: opts.servername,
        ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      });
    }
    return this.agent;
  }

  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
    this.fixedCredentials = undefined;
  }

  url(path: string, query?: Request['query']): URL {
    const prefix = this.base.pathname.replace(/\/+$/, '');
    const url = new URL(this.base.origin + prefix + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    return url;
  }

  /** Sends the request, retrying as described above; throws ClusterError for any non-2xx answer. */
  async request(req: Request): Promise<Response> {
    const agent = await this.pool();
    const payload = req.body === undefined ? undefined : Buffer.from(stringifyExact(req.body));
    for (let attempt = 1; ; attempt++) {
      let status: number | undefined;
      let retryAfterMs: number | undefined;
      let failure: ClusterError;
      try {
        const res = await this.once(agent, req, payload);
        if (res.status < 300) return res;
        status = res.status;
        retryAfterMs = parseRetryAfter(res.retryAfter);
        failure = errorFromStatus(res.status, parseStatus(res.body), req.target);
      } catch (err) {
        if (err instanceof ClusterError) throw err;
        const code = (err as NodeJS.ErrnoException).code;
        if (req.signal?.aborted) throw err;
        failure = new ClusterError('cluster.network', `cannot ${describeTarget(req.target)}: ${this.server}: ${(err as Error).message}`);
        if (code && !RETRYABLE_NET.has(code) && !/socket hang up/.test((err as Error).message)) throw failure;
      }
      if (attempt >= this.retry.attempts || !mayRetry(req, status, retryAfterMs !== undefined)) {
        if (status !== undefined && retryableStatus(status) && attempt > 1) {
          failure.message += ` (gave up after ${attempt} attempts)`;
        }
        throw failure;
      }
      await sleep(this.backoff(attempt, retryAfterMs), req.signal);
    }
  }

  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, 60_000);
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  /** Asks the KubeConfig again: exec plugins and auth providers may have a new token. */
  private async freshCredentials(): Promise<Credentials> {
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    return credentialsOf(opts);
  }

  private async once(agent: http.Agent, req: Request, payload: Buffer | undefined): Promise<Response & { retryAfter?: string }> {
    const creds = this.fixedCredentials ?? (await this.freshCredentials());
    const headers: Record<string, string> = { accept: req.accept ?? 'application/json', ...creds.headers };
    if (payload) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const url = this.url(req.path, req.query);
    const lib = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const r = lib.request(url, { method: req.method, headers, agent, auth: creds.auth, signal: req.signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > this.maxResponseBytes) {
            res.destroy();
            r.destroy();
            reject(new ClusterError('cluster.http', `cannot ${describeTarget(req.target)}: ${this.server} answered with more than ${this.maxResponseBytes} bytes, the most cairn reads for one response; lower the list page size or check the server`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const ra = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), retryAfter: Array.isArray(ra) ? ra[0] : ra });
        });
      });
      r.setTimeout(120_000, () => r.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      r.on('error', reject);
      r.end(payload);
    });
  }
}

/** Auth headers and basic auth as the KubeConfig applies them to a request. */
function credentialsOf(opts: https.RequestOptions): Credentials {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = String(v);
  return { headers, auth: opts.auth ?? undefined };
}

function parseRetryAfter(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function parseStatus(body: Buffer): KubeStatus | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as KubeStatus) : undefined;
  } catch {
    const text = body.toString('utf8').trim().slice(0, 200);
    return text ? { message: text } : undefined;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
