// The HTTP face of the simulator: routes Kubernetes REST paths to the verbs in api.ts, applies
// injected faults, counts requests, and answers with JSON bodies or `Status` errors.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { apiVersionOf } from './catalog.ts';
import { ClusterApi, type ListQuery, type Target, type WriteOptions } from './api.ts';
import { ApiStatusError, errors } from './status.ts';
import { injectedFault, misorderList, type Faults } from './faults.ts';
import { toTable, wantsTable } from './table.ts';
import { assertPatchType } from './patch.ts';
import { parseExact, stringifyExact } from '../exact-json.ts';

type Obj = Record<string, any>;

export const SERVER_VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0',
  gitCommit: '9edcffcde5595e8a5b1a35f88c421764e575afce',
  gitTreeState: 'clean',
  buildDate: '2024-08-13T07:28:49Z',
  goVersion: 'go1.22.5',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const MAX_BODY = 3 * 1024 * 1024;
const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export interface Stats {
  reads: number;
  writes: number;
  byVerb: Record<string, number>;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** The request wrote to storage (a write that is not a dry run): its answer waits the commit latency. */
  commits?: boolean;
}

/** One routed request: which verb on which target (undefined target = discovery). */
interface Routed {
  verb: string;
  target?: Target;
  run: () => Promise<Reply> | Reply;
}

export class SimServer {
  readonly http: Server;
  readonly stats: Stats = { reads: 0, writes: 0, byVerb: {} };

  /**
   * @param writeLatencyMs how long the answer to a committed write waits: the storage commit of a
   *   real apiserver (etcd: a raft round and an fsync). The write itself is applied at once and in
   *   arrival order, and other requests go on meanwhile: commit latency, not a global lock.
   */
  constructor(
    readonly api: ClusterApi,
    readonly faults: () => Faults,
    readonly writeLatencyMs = 0,
    readonly legacyDiscovery = false,
  ) {
    this.http = createServer((req, res) => {
      this.handle(req, res).catch((err) => this.send(res, statusReply(toStatusError(err))));
    });
    this.http.keepAliveTimeout = 30_000;
  }

  resetStats(): void {
    this.stats.reads = 0;
    this.stats.writes = 0;
    this.stats.byVerb = {};
  }

  private count(verb: string): void {
    this.stats.byVerb[verb] = (this.stats.byVerb[verb] ?? 0) + 1;
    if (verb === 'get' || verb === 'list') this.stats.reads += 1;
    else if (verb === 'create' || verb === 'update' || verb === 'patch' || verb === 'delete' || verb === 'deletecollection') this.stats.writes += 1;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    let reply: Reply;
    try {
      const routed = this.route(req, url);
      this.count(routed.verb);
      const fault = injectedFault(this.faults(), routed.verb, routed.target?.def.groupResource, routed.target?.namespace);
      if (fault) {
        req.resume();
        throw fault;
      }
      reply = await routed.run();
      if (reply.commits && this.writeLatencyMs > 0) await delay(this.writeLatencyMs);
    } catch (err) {
      req.resume();
      reply = statusReply(toStatusError(err));
    }
    if (reply.status < 300 && wantsTable(req.headers.accept) && isTableable(reply.body)) {
      const body = reply.body as Obj;
      reply = { ...reply, body: toTable(body, Array.isArray(body.items)) };
    }
    this.send(res, reply);
  }

  private send(res: ServerResponse, reply: Reply): void {
    if (res.headersSent) return;
    const text = typeof reply.body === 'string' ? reply.body : stringifyExact(reply.body);
    res.writeHead(reply.status, {
      'Content-Type': typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
      'Cache-Control': 'no-cache, private',
      'Content-Length': Buffer.byteLength(text),
      ...reply.headers,
    });
    res.end(text);
  }

  // ---- routing -------------------------------------------------------------------------

  /**
   * Whether the client asks for aggregated discovery (as client-go does: the aggregated media
   * type first, plain JSON as the fallback). A simulator started with legacyDiscovery answers
   * like an apiserver before 1.26.
   */
  private wantsAggregated(req: IncomingMessage): boolean {
    if (this.legacyDiscovery) return false;
    const accept = String(req.headers.accept ?? '');
    return accept.split(',').some((t) => /as=APIGroupDiscoveryList/.test(t) && /g=apidiscovery\.k8s\.io/.test(t) && /v=v2(beta1)?\b/.test(t));
  }

  private route(req: IncomingMessage, url: URL): Routed {
    const method = req.method ?? 'GET';
    const segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const api = this.api;
    const discovery = (body: () => unknown): Routed => {
      if (method !== 'GET') throw errors.methodNotAllowed(`${method} is not allowed on ${url.pathname}; discovery endpoints are read-only`);
      return { verb: 'discovery', run: () => ({ status: 200, body: body() }) };
    };
    const aggregated = (body: () => unknown): Routed => {
      const routed = discovery(body);
      return { ...routed, run: () => ({ ...routed.run(), headers: { 'Content-Type': AGGREGATED_CONTENT_TYPE } }) };
    };

    if (segs.length === 0) return discovery(() => ({ paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/readyz', '/version'] }));
    if (segs.length === 1 && ['healthz', 'livez', 'readyz'].includes(segs[0])) return discovery(() => 'ok');
    if (segs.length === 1 && segs[0] === 'version') return discovery(() => SERVER_VERSION);
    if (segs[0] === 'api') {
      if (segs.length === 1) {
        if (this.wantsAggregated(req)) return aggregated(() => api.registry.aggregatedDiscovery(true));
        return discovery(() => api.registry.apiVersions(req.headers.host ?? '127.0.0.1'));
      }
      if (segs[1] !== 'v1') throw errors.pathNotFound(url.pathname);
      return this.routeResource(req, url, method, '', 'v1', segs.slice(2), discovery);
    }
    if (segs[0] === 'apis') {
      if (segs.length === 1) {
        if (this.wantsAggregated(req)) return aggregated(() => api.registry.aggregatedDiscovery(false));
        return discovery(() => api.registry.apiGroupList());
      }
      if (segs.length === 2) {
        if (!api.registry.hasGroup(segs[1])) throw errors.pathNotFound(url.pathname);
        return discovery(() => api.registry.apiGroupDoc(segs[1]));
      }
      return this.routeResource(req, url, method, segs[1], segs[2], segs.slice(3), discovery);
    }
    throw errors.pathNotFound(url.pathname);
  }

  private routeResource(
    req: IncomingMessage,
    url: URL,
    method: string,
    group: string,
    version: string,
    rest: string[],
    discovery: (body: () => unknown) => Routed,
  ): Routed {
    const registry = this.api.registry;
    if (!registry.hasGroupVersion(group, version)) throw errors.pathNotFound(url.pathname);
    if (rest.length === 0) return discovery(() => registry.resourceList(group, version));

    let namespace: string | undefined;
    let parts = rest;
    if (rest[0] === 'namespaces' && rest.length >= 3 && registry.lookup(group, version, rest[2])) {
      namespace = rest[1];
      parts = rest.slice(2);
    }
    const [resource, name, subresource, ...extra] = parts;
    const def = registry.lookup(group, version, resource);
    if (!def || extra.length > 0) throw errors.pathNotFound(url.pathname);
    if (namespace !== undefined && !def.namespaced) throw errors.pathNotFound(url.pathname);
    if (def.namespaced && namespace === undefined && name !== undefined) throw errors.pathNotFound(url.pathname);
    const target: Target = { def, apiVersion: apiVersionOf(group, version), namespace, name };
    const q = url.searchParams;

    // PUT and PATCH read their body the same way on the object and on its status subresource.
    const updateWith = (write: (body: unknown, opts: WriteOptions) => Obj): Routed => ({
      verb: 'update',
      target,
      run: async () => {
        const body = await readBody(req, false);
        const opts = writeOptions(req, q);
        return { status: 200, body: write(body, opts), commits: !opts.dryRun };
      },
    });
    const patchWith = (write: (body: unknown, contentType: string, opts: WriteOptions) => Obj): Routed => ({
      verb: 'patch',
      target,
      run: async () => {
        const contentType = req.headers['content-type'] ?? '';
        assertPatchType(contentType);
        const body = await readBody(req, false, true);
        const opts = writeOptions(req, q);
        return { status: 200, body: write(body, contentType, opts), commits: !opts.dryRun };
      },
    });

    if (subresource !== undefined) {
      if (!def.subresources.includes(subresource)) throw errors.pathNotFound(url.pathname);
      if (subresource === 'status' && name !== undefined) {
        if (method === 'GET') return { verb: 'get', target, run: () => ({ status: 200, body: this.api.get(target) }) };
        if (method === 'PUT') return updateWith((body, opts) => this.api.updateStatus(target, body, opts));
        if (method === 'PATCH') return patchWith((body, contentType, opts) => this.api.patchStatus(target, body, contentType, opts));
      }
      throw errors.methodNotAllowed(
        `${method} on the ${resource}/${subresource} subresource is not supported by the cairn Kubernetes simulator (it serves the main resource only)`,
      );
    }

    const allow = (verb: string): void => {
      if (!def.verbs.includes(verb)) throw errors.methodNotAllowed(`${verb} is not supported on ${def.groupResource}`);
    };

    if (name === undefined) {
      if (method === 'GET') {
        if (q.get('watch') === 'true' || q.get('watch') === '1') {
          throw errors.methodNotAllowed('watch is not supported by the cairn Kubernetes simulator; list with limit/continue instead');
        }
        allow('list');
        return {
          verb: 'list',
          target,
          run: () => {
            const list = this.api.list(target, listQuery(q));
            return { status: 200, body: this.faults().misorderedLists?.includes(def.groupResource) ? misorderList(list) : list };
          },
        };
      }
      if (method === 'POST') {
        if (def.namespaced && namespace === undefined) {
          throw errors.methodNotAllowed(`create ${def.groupResource} in a namespace: POST to .../namespaces/<namespace>/${resource}`);
        }
        allow('create');
        return {
          verb: 'create',
          target,
          run: async () => {
            const body = await readBody(req, false);
            const opts = writeOptions(req, q);
            return { status: 201, body: this.api.create(target, body, opts), commits: !opts.dryRun };
          },
        };
      }
      if (method === 'DELETE') {
        allow('deletecollection');
        return {
          verb: 'deletecollection',
          target,
          run: async () => {
            await readBody(req, true);
            const dry = dryRun(q);
            return { status: 200, body: this.api.deleteCollection(target, listQuery(q), dry), commits: !dry };
          },
        };
      }
      throw errors.methodNotAllowed(`${method} is not allowed on a collection (${url.pathname})`);
    }

    switch (method) {
      case 'GET':
        allow('get');
        return { verb: 'get', target, run: () => ({ status: 200, body: this.api.get(target) }) };
      case 'PUT':
        allow('update');
        return updateWith((body, opts) => this.api.update(target, body, opts));
      case 'PATCH':
        allow('patch');
        return patchWith((body, contentType, opts) => this.api.patch(target, body, contentType, opts));
      case 'DELETE':
        allow('delete');
        return {
          verb: 'delete',
          target,
          run: async () => {
            const options = (await readBody(req, true)) as Obj | undefined;
            const dry = dryRun(q) || (options?.dryRun ?? []).includes('All');
            return { status: 200, body: this.api.delete(target, options, dry), commits: !dry };
          },
        };
      default:
        throw errors.methodNotAllowed(`${method} is not allowed on an object (${url.pathname}); use GET, PUT, PATCH or DELETE`);
    }
  }
}

function isTableable(body: unknown): boolean {
  const b = body as Obj | undefined;
  return !!b && typeof b === 'object' && b.kind !== 'Status' && typeof b.metadata === 'object' && (Array.isArray(b.items) || typeof b.metadata.name === 'string');
}

function listQuery(q: URLSearchParams): ListQuery {
  const limitText = q.get('limit');
  let limit: number | undefined;
  if (limitText !== null && limitText !== '') {
    limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 0) throw errors.badRequest(`invalid limit "${limitText}": must be a non-negative integer`);
  }
  const match = q.get('resourceVersionMatch');
  if (match !== null && match !== 'Exact' && match !== 'NotOlderThan') {
    throw errors.badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
  }
  if (match !== null && !q.get('resourceVersion')) throw errors.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
  return {
    exactResourceVersion: match === 'Exact' ? (q.get('resourceVersion') ?? undefined) : undefined,
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector: q.get('fieldSelector') ?? undefined,
    limit,
    continue: q.get('continue') || undefined,
  };
}

function dryRun(q: URLSearchParams): boolean {
  const values = q.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw errors.badRequest(`Invalid dry run value "${v}": the only supported value is "All"`);
  return values.length > 0;
}

function writeOptions(req: IncomingMessage, q: URLSearchParams): WriteOptions {
  const agent = req.headers['user-agent'];
  const manager = q.get('fieldManager') || (agent ? agent.split('/')[0].trim() : '') || 'unknown';
  return { manager, dryRun: dryRun(q) };
}

/** Reads and parses the body: JSON (any +json type) or YAML; `optional` allows an empty body. */
async function readBody(req: IncomingMessage, optional: boolean, patch = false): Promise<unknown> {
  // Plain 'data' events: cheaper per request than an async iterator when creating 10,000 objects.
  const chunks = await new Promise<Buffer[]>((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        req.removeAllListeners('data');
        req.resume();
        reject(new ApiStatusError(413, 'RequestEntityTooLarge', `the request body is larger than ${MAX_BODY} bytes`));
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => resolve(parts));
    req.on('error', reject);
  });
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') {
    if (optional) return undefined;
    throw errors.badRequest('the request body is empty; send the object as JSON');
  }
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
  if (!patch && type !== '' && !type.endsWith('json') && !type.endsWith('yaml') && type !== '*/*') {
    throw errors.unsupportedMediaType(type, ['application/json', 'application/yaml']);
  }
  try {
    // Numbers are kept as sent: the apiserver decodes JSON integers as int64, never through a
    // float (k8s.io/apimachinery/pkg/util/json: UseNumber, then ConvertInt64 / ConvertFloat64),
    // so a custom resource's 9007199254740993 is stored and served with every digit.
    return type.endsWith('yaml') && !patch ? parseYaml(text) : parseExact(text);
  } catch (err) {
    throw errors.badRequest(`the request body is not valid ${type.endsWith('yaml') && !patch ? 'YAML' : 'JSON'}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function toStatusError(err: unknown): ApiStatusError {
  if (err instanceof ApiStatusError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ApiStatusError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

function statusReply(err: ApiStatusError): Reply {
  return { status: err.code, body: err.toStatus(), headers: err.headers };
}
