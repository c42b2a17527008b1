// ClusterClient: the verbs cairn uses against an API server (discovery, paged list, get,
// create, replace, patch, delete), over the KubeConfig's connection. Objects travel as plain
// JSON, exactly as the server sends them: no typed model in between rewrites fields.
import type { ApiResource, KubeObject } from './types.ts';
import { discover, type DiscoveryResult } from './discovery.ts';
import { ClusterError, describeTarget, type RequestTarget } from './errors.ts';
import { scanList, scanListHead } from './list-scan.ts';
import type { Transport } from './transport.ts';
import { parseExact } from '../exact-json.ts';

export type ResourceRef = Pick<ApiResource, 'group' | 'version' | 'resource' | 'namespaced'> & Partial<Pick<ApiResource, 'kind' | 'groupResource'>>;

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; default 500. */
  limit?: number;
  signal?: AbortSignal;
}

/**
 * A listed object with its JSON document as the server sent it: the bytes of `head` followed
 * by those of `body`. `head` is empty, or (for list items that came without them, as built-in
 * types do) the opening brace with apiVersion and kind, `body` then starting after the item's
 * own opening brace. Items of one list share their `head` buffers.
 */
export interface ListedItem {
  object: KubeObject;
  head: Buffer;
  body: Buffer;
}

export interface ListItemsOptions extends ListOptions {
  /** Parse each object whole (default: only what selection and the index read). */
  full?: boolean;
  /** Read metadata.labels (default true); `{ containing }`: only label maps whose JSON contains that text. */
  labels?: boolean | { containing: string };
}

export interface ClusterClient {
  /** Cluster name for manifests (the Cluster object's name or the kubeconfig context). */
  readonly name: string;
  /** API server URL (never carries credentials). */
  readonly server: string;
  serverVersion(): Promise<string>;
  /** Every listable resource at its group's preferred version, subresources left out. */
  discover(): Promise<ApiResource[]>;
  /** discover() plus the group versions whose discovery failed. */
  discovery(): Promise<DiscoveryResult>;
  list(res: ResourceRef, opts?: ListOptions): AsyncIterable<KubeObject>;
  /**
   * list() with each object's bytes as the server sent them, for archiving without serializing
   * again. Unless `full`, an object holds only apiVersion, kind and metadata name, namespace
   * and labels: the list is read without building every object. Yields one array per page
   * (a thousand-object list is a few steps of iteration, not a thousand).
   */
  listItems(res: ResourceRef, opts?: ListItemsOptions): AsyncIterable<ListedItem[]>;
  /** undefined when the object does not exist. */
  get(res: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  create(res: ResourceRef, obj: KubeObject): Promise<KubeObject>;
  replace(res: ResourceRef, obj: KubeObject): Promise<KubeObject>;
  /** PUT on the status subresource (obj carries the resourceVersion to update from). */
  replaceStatus(res: ResourceRef, obj: KubeObject): Promise<KubeObject>;
  patch(res: ResourceRef, namespace: string | undefined, name: string, patch: unknown, type: 'merge' | 'json'): Promise<KubeObject>;
  /** false when the object was already gone. */
  delete(res: ResourceRef, namespace: string | undefined, name: string): Promise<boolean>;
  /** Closes pooled connections. */
  close(): void;
}

export const DEFAULT_PAGE_SIZE = 500;
/** Pages of a list fetched (or being fetched) beyond the one the caller works on. */
const READ_AHEAD = 2;

function apiVersionOf(res: ResourceRef): string {
  return res.group ? `${res.group}/${res.version}` : res.version;
}

function nameOf(res: ResourceRef): string {
  return res.groupResource ?? (res.group ? `${res.resource}.${res.group}` : res.resource);
}

/** REST path of a collection or an object. */
export function resourcePath(res: ResourceRef, namespace?: string, name?: string): string {
  let p = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
  if (res.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${res.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  return p;
}

interface ListBody {
  metadata?: { continue?: string; resourceVersion?: string };
  items?: KubeObject[];
}

export class KubeClusterClient implements ClusterClient {
  constructor(
    private readonly transport: Transport,
    readonly name: string,
    private readonly concurrency = 4,
  ) {}

  get server(): string {
    return this.transport.server;
  }

  async serverVersion(): Promise<string> {
    const res = await this.transport.request({ method: 'GET', path: '/version', target: { verb: 'get', resource: 'server version (/version)' } });
    const info = JSON.parse(res.body.toString('utf8')) as { gitVersion?: string };
    return info.gitVersion ?? 'unknown';
  }

  async discover(): Promise<ApiResource[]> {
    return (await this.discovery()).resources;
  }

  discovery(): Promise<DiscoveryResult> {
    return discover(this.transport, this.concurrency);
  }

  async *list(res: ResourceRef, opts: ListOptions = {}): AsyncIterable<KubeObject> {
    const apiVersion = apiVersionOf(res);
    const decode = (raw: Buffer) => {
      const body = parseExact(raw.toString('utf8')) as ListBody;
      return { page: body.items ?? [], continue: body.metadata?.continue };
    };
    for await (const items of this.pages(res, opts, decode)) {
      for (const item of items) {
        // List items come without apiVersion/kind; an object on its own carries them.
        if (!item.apiVersion) item.apiVersion = apiVersion;
        if (!item.kind && res.kind) item.kind = res.kind;
        yield item;
      }
    }
  }

  async *listItems(res: ResourceRef, opts: ListItemsOptions = {}): AsyncIterable<ListedItem[]> {
    const apiVersion = apiVersionOf(res);
    const kind = res.kind;
    // What goes before an item's own fields when the list left apiVersion/kind out: encoded
    // once per list, with and without the comma that separates them from the item's fields.
    const both = `{"apiVersion":${JSON.stringify(apiVersion)}${kind ? `,"kind":${JSON.stringify(kind)}` : ''}`;
    const onlyVersion = `{"apiVersion":${JSON.stringify(apiVersion)}`;
    const onlyKind = kind ? `{"kind":${JSON.stringify(kind)}` : ''; // nothing to add
    const heads = (text: string) => ({ bare: Buffer.from(text), comma: Buffer.from(text ? `${text},` : '') });
    const head = { both: heads(both), apiVersion: heads(onlyVersion), kind: heads(onlyKind), none: heads('') };
    const target = listTarget(res, opts);
    const scanOpts = { labels: opts.labels };
    // The continue token comes from the bytes before the items, so the server is already
    // preparing the next page while this one is scanned.
    const decode = (raw: Buffer) => {
      const first = scanListHead(raw);
      const list = first ? undefined : scanList(raw, scanOpts);
      return { page: { raw, list }, continue: (first ?? list)?.continue };
    };
    for await (const page of this.pages(res, opts, decode)) {
      const raw = page.raw;
      let list = page.list;
      if (!list) {
        try {
          list = scanList(raw, scanOpts);
        } catch (err) {
          throw notAList(target, err);
        }
      }
      const items: ListedItem[] = new Array(list.items.length);
      for (let i = 0; i < items.length; i++) {
        const it = list.items[i];
        const heads = it.apiVersion === undefined ? (it.kind === undefined ? head.both : head.apiVersion) : it.kind === undefined ? head.kind : head.none;
        let object: KubeObject;
        if (opts.full) {
          object = parseExact(raw.toString('utf8', it.start, it.end)) as KubeObject;
        } else {
          const metadata: KubeObject['metadata'] = { name: it.name as string };
          if (it.namespace !== undefined) metadata.namespace = it.namespace;
          if (it.labels !== undefined) metadata.labels = it.labels;
          if (it.deletionTimestamp !== undefined) metadata.deletionTimestamp = it.deletionTimestamp;
          object = { apiVersion: it.apiVersion ?? apiVersion, kind: it.kind as string, metadata };
        }
        if (!object.apiVersion) object.apiVersion = apiVersion;
        if (!object.kind && kind) object.kind = kind;
        if (heads.bare.length === 0) {
          items[i] = { object, head: heads.bare, body: raw.subarray(it.start, it.end) };
        } else {
          const body = raw.subarray(it.start + 1, it.end); // after the item's "{"
          items[i] = { object, head: isEmptyObjectRest(body) ? heads.bare : heads.comma, body };
        }
      }
      yield items;
    }
  }

  /**
   * Pages of a list, each decoded by `decode` (which also names the continue token); the next
   * pages are fetched while the caller works through this one.
   */
  private async *pages<T>(res: ResourceRef, opts: ListOptions, decode: (raw: Buffer) => { page: T; continue?: string }): AsyncIterable<T> {
    if (res.namespaced === false && opts.namespace) {
      throw new ClusterError('cluster.http', `${nameOf(res)} is cluster-scoped: it cannot be listed in namespace "${opts.namespace}"`);
    }
    const path = resourcePath(res, opts.namespace);
    const target = listTarget(res, opts);
    const fetchPage = async (token: string | undefined): Promise<{ page: T; continue?: string }> => {
      const response = await this.transport.request({
        method: 'GET',
        path,
        query: { limit: opts.limit ?? DEFAULT_PAGE_SIZE, continue: token, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
        target,
        signal: opts.signal,
      });
      try {
        return decode(response.body);
      } catch (err) {
        throw notAList(target, err);
      }
    };
    // Each page needs the continue token of the one before, so pages are requested one after
    // another, each as soon as that token is known, up to READ_AHEAD pages beyond the one the
    // caller works on: the server is not kept waiting while the caller finishes a page, and
    // memory stays at a few pages. A page fetched ahead can fail (cancelled, say) before anything
    // awaits it: it is marked handled at once; awaiting it still sees the error.
    type Decoded = { page: T; continue?: string };
    const queue: Array<Promise<Decoded>> = [];
    let parked: string | undefined; // the next token, waiting for room in the queue
    const request = (token: string | undefined) => {
      const p = fetchPage(token);
      queue.push(p);
      p.then(
        (d) => {
          if (!d.continue) return;
          if (queue.length < READ_AHEAD) request(d.continue);
          else parked = d.continue;
        },
        () => undefined,
      );
    };
    request(undefined);
    while (queue.length > 0) {
      const decoded = await queue.shift()!;
      if (parked !== undefined) {
        const token = parked;
        parked = undefined;
        request(token);
      }
      yield decoded.page;
    }
  }

  async get(res: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      const r = await this.transport.request({ method: 'GET', path: resourcePath(res, namespace, name), target: { verb: 'get', resource: nameOf(res), namespace, name } });
      return parseExact(r.body.toString('utf8')) as KubeObject;
    } catch (err) {
      if (err instanceof ClusterError && err.code === 'cluster.notFound') return undefined;
      throw err;
    }
  }

  async create(res: ResourceRef, obj: KubeObject): Promise<KubeObject> {
    const ns = obj.metadata.namespace;
    const r = await this.transport.request({ method: 'POST', path: resourcePath(res, ns), body: obj, target: { verb: 'create', resource: nameOf(res), namespace: ns, name: obj.metadata.name } });
    return parseExact(r.body.toString('utf8')) as KubeObject;
  }

  async replace(res: ResourceRef, obj: KubeObject): Promise<KubeObject> {
    const ns = obj.metadata.namespace;
    const name = obj.metadata.name;
    const r = await this.transport.request({ method: 'PUT', path: resourcePath(res, ns, name), body: obj, target: { verb: 'update', resource: nameOf(res), namespace: ns, name } });
    return parseExact(r.body.toString('utf8')) as KubeObject;
  }

  async replaceStatus(res: ResourceRef, obj: KubeObject): Promise<KubeObject> {
    const ns = obj.metadata.namespace;
    const name = obj.metadata.name;
    const r = await this.transport.request({
      method: 'PUT',
      path: `${resourcePath(res, ns, name)}/status`,
      body: obj,
      target: { verb: 'update', resource: `${nameOf(res)}/status`, namespace: ns, name },
    });
    return parseExact(r.body.toString('utf8')) as KubeObject;
  }

  async patch(res: ResourceRef, namespace: string | undefined, name: string, patch: unknown, type: 'merge' | 'json'): Promise<KubeObject> {
    const r = await this.transport.request({
      method: 'PATCH',
      path: resourcePath(res, namespace, name),
      body: patch,
      contentType: type === 'merge' ? 'application/merge-patch+json' : 'application/json-patch+json',
      target: { verb: 'patch', resource: nameOf(res), namespace, name },
    });
    return parseExact(r.body.toString('utf8')) as KubeObject;
  }

  async delete(res: ResourceRef, namespace: string | undefined, name: string): Promise<boolean> {
    try {
      await this.transport.request({ method: 'DELETE', path: resourcePath(res, namespace, name), target: { verb: 'delete', resource: nameOf(res), namespace, name } });
      return true;
    } catch (err) {
      if (err instanceof ClusterError && err.code === 'cluster.notFound') return false;
      throw err;
    }
  }

  close(): void {
    this.transport.close();
  }
}

function listTarget(res: ResourceRef, opts: ListOptions): RequestTarget {
  return { verb: 'list', resource: nameOf(res), namespace: opts.namespace };
}

function notAList(target: RequestTarget, err: unknown): ClusterError {
  return new ClusterError('cluster.http', `cannot ${describeTarget(target)}: the server's answer is not a list: ${(err as Error).message}`);
}

/** Whether the bytes after an object's "{" close it at once ("}" after optional whitespace). */
function isEmptyObjectRest(rest: Buffer): boolean {
  for (const c of rest) if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c === 0x7d;
  return false;
}
