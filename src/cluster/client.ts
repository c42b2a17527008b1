// ClusterClient: the verbs cairn uses against an API server (discovery, paged list, get,
// create, replace, patch, delete), over the KubeConfig's connection. Objects travel as plain
// JSON, exactly as the server sends them: no typed model in between rewrites fields.
import type { ApiResource, KubeObject } from './types.ts';
import { discover, type DiscoveryResult } from './discovery.ts';
import { ClusterError } from './errors.ts';
import type { Transport } from './transport.ts';

export type ResourceRef = Pick<ApiResource, 'group' | 'version' | 'resource' | 'namespaced'> & Partial<Pick<ApiResource, 'kind' | 'groupResource'>>;

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; default 500. */
  limit?: number;
  signal?: AbortSignal;
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
  /** undefined when the object does not exist. */
  get(res: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  create(res: ResourceRef, obj: KubeObject): Promise<KubeObject>;
  replace(res: ResourceRef, obj: KubeObject): Promise<KubeObject>;
  patch(res: ResourceRef, namespace: string | undefined, name: string, patch: unknown, type: 'merge' | 'json'): Promise<KubeObject>;
  /** false when the object was already gone. */
  delete(res: ResourceRef, namespace: string | undefined, name: string): Promise<boolean>;
  /** Closes pooled connections. */
  close(): void;
}

export const DEFAULT_PAGE_SIZE = 500;

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
    if (res.namespaced === false && opts.namespace) {
      throw new ClusterError('cluster.http', `${nameOf(res)} is cluster-scoped: it cannot be listed in namespace "${opts.namespace}"`);
    }
    const path = resourcePath(res, opts.namespace);
    const apiVersion = apiVersionOf(res);
    const fetchPage = async (token: string | undefined): Promise<ListBody> => {
      const page = await this.transport.request({
        method: 'GET',
        path,
        query: { limit: opts.limit ?? DEFAULT_PAGE_SIZE, continue: token, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
        target: { verb: 'list', resource: nameOf(res), namespace: opts.namespace },
        signal: opts.signal,
      });
      return JSON.parse(page.body.toString('utf8')) as ListBody;
    };
    // The next page is requested before this one is handed out, so the server prepares it
    // while the caller works through the items.
    let next: Promise<ListBody> | undefined = fetchPage(undefined);
    try {
      while (next) {
        const body: ListBody = await next;
        const token = body.metadata?.continue || undefined;
        next = token ? fetchPage(token) : undefined;
        for (const item of body.items ?? []) {
          // List items come without apiVersion/kind; an object on its own carries them.
          if (!item.apiVersion) item.apiVersion = apiVersion;
          if (!item.kind && res.kind) item.kind = res.kind;
          yield item;
        }
      }
    } finally {
      next?.catch(() => undefined); // the caller stopped early: nobody awaits the prefetch
    }
  }

  async get(res: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      const r = await this.transport.request({ method: 'GET', path: resourcePath(res, namespace, name), target: { verb: 'get', resource: nameOf(res), namespace, name } });
      return JSON.parse(r.body.toString('utf8')) as KubeObject;
    } catch (err) {
      if (err instanceof ClusterError && err.code === 'cluster.notFound') return undefined;
      throw err;
    }
  }

  async create(res: ResourceRef, obj: KubeObject): Promise<KubeObject> {
    const ns = obj.metadata.namespace;
    const r = await this.transport.request({ method: 'POST', path: resourcePath(res, ns), body: obj, target: { verb: 'create', resource: nameOf(res), namespace: ns, name: obj.metadata.name } });
    return JSON.parse(r.body.toString('utf8')) as KubeObject;
  }

  async replace(res: ResourceRef, obj: KubeObject): Promise<KubeObject> {
    const ns = obj.metadata.namespace;
    const name = obj.metadata.name;
    const r = await this.transport.request({ method: 'PUT', path: resourcePath(res, ns, name), body: obj, target: { verb: 'update', resource: nameOf(res), namespace: ns, name } });
    return JSON.parse(r.body.toString('utf8')) as KubeObject;
  }

  async patch(res: ResourceRef, namespace: string | undefined, name: string, patch: unknown, type: 'merge' | 'json'): Promise<KubeObject> {
    const r = await this.transport.request({
      method: 'PATCH',
      path: resourcePath(res, namespace, name),
      body: patch,
      contentType: type === 'merge' ? 'application/merge-patch+json' : 'application/json-patch+json',
      target: { verb: 'patch', resource: nameOf(res), namespace, name },
    });
    return JSON.parse(r.body.toString('utf8')) as KubeObject;
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
