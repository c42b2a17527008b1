// API discovery. Aggregated discovery first (apidiscovery.k8s.io/v2, Kubernetes >= 1.26): /api
// and /apis each answer with every group, version and resource in one document, two requests in
// all. A server that does not offer it answers the same two requests with the classic
// APIVersions / APIGroupList, and each group's preferred version's resource list is fetched.
// Subresources ("pods/log") and resources that cannot be listed are left out. A group version
// whose discovery fails or is stale (an aggregated API that is down, typically) is reported,
// not fatal.
import pLimit from 'p-limit';
import type { ApiResource } from './types.ts';
import type { Transport } from './transport.ts';

interface APIResourceList {
  groupVersion: string;
  resources: { name: string; namespaced: boolean; kind: string; verbs?: string[]; singularName?: string; shortNames?: string[] }[];
}
interface APIGroupList {
  kind?: string;
  groups: { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion?: { groupVersion: string; version: string } }[];
}
interface APIVersions {
  kind?: string;
  versions: string[];
}
/** apidiscovery.k8s.io/v2 (and v2beta1, the same shape). */
interface APIGroupDiscoveryList {
  kind: 'APIGroupDiscoveryList';
  items?: {
    metadata?: { name?: string };
    /** In preference order: the first is the preferred version. */
    versions?: {
      version: string;
      resources?: { resource: string; responseKind?: { kind?: string }; scope?: string; verbs?: string[]; singularResource?: string; shortNames?: string[] }[];
      freshness?: string;
    }[];
  }[];
}

/** Aggregated discovery first, the classic documents as the fallback (what client-go asks for). */
const ACCEPT = [
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
  'application/json',
].join(',');

function isAggregated(doc: unknown): doc is APIGroupDiscoveryList {
  return typeof doc === 'object' && doc !== null && (doc as { kind?: unknown }).kind === 'APIGroupDiscoveryList';
}

export interface DiscoveryResult {
  resources: ApiResource[];
  /** Group versions whose resource list could not be read, with why. */
  failed: { groupVersion: string; error: string }[];
}

export function groupResourceOf(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

export async function discover(transport: Transport, concurrency: number): Promise<DiscoveryResult> {
  const get = async <T>(path: string, resource: string, accept?: string): Promise<T> => {
    const res = await transport.request({ method: 'GET', path, accept, target: { verb: 'get', resource } });
    return JSON.parse(res.body.toString('utf8')) as T;
  };
  const [core, groups] = await Promise.all([
    get<APIVersions | APIGroupDiscoveryList>('/api', 'API versions (/api)', ACCEPT),
    get<APIGroupList | APIGroupDiscoveryList>('/apis', 'API groups (/apis)', ACCEPT),
  ]);

  const resources: ApiResource[] = [];
  const failed: DiscoveryResult['failed'] = [];
  const targets: { group: string; version: string; path: string }[] = [];
  if (isAggregated(core)) fromAggregated(core, resources, failed);
  // The core group has a single served version in practice ("v1"); take the first listed.
  else if (core.versions?.length) targets.push({ group: '', version: core.versions[0], path: `/api/${core.versions[0]}` });
  if (isAggregated(groups)) {
    fromAggregated(groups, resources, failed);
  } else {
    for (const g of groups.groups ?? []) {
      const preferred = g.preferredVersion ?? g.versions[0];
      if (preferred) targets.push({ group: g.name, version: preferred.version, path: `/apis/${preferred.groupVersion}` });
    }
  }

  const limit = pLimit(concurrency);
  const lists = await Promise.all(
    targets.map((t) =>
      limit(async () => {
        try {
          return { t, list: await get<APIResourceList>(t.path, `resources of ${t.group ? `${t.group}/` : ''}${t.version}`) };
        } catch (err) {
          failed.push({ groupVersion: t.group ? `${t.group}/${t.version}` : t.version, error: (err as Error).message });
          return undefined;
        }
      }),
    ),
  );

  for (const entry of lists) {
    if (!entry) continue;
    for (const r of entry.list.resources ?? []) {
      if (r.name.includes('/')) continue; // subresource
      const verbs = r.verbs ?? [];
      if (!verbs.includes('list')) continue;
      resources.push({
        group: entry.t.group,
        version: entry.t.version,
        resource: r.name,
        kind: r.kind,
        namespaced: r.namespaced,
        verbs,
        groupResource: groupResourceOf(entry.t.group, r.name),
        ...names(r.singularName, r.shortNames),
      });
    }
  }
  resources.sort((a, b) => a.groupResource.localeCompare(b.groupResource));
  failed.sort((a, b) => a.groupVersion.localeCompare(b.groupVersion));
  return { resources, failed };
}

/** The preferred version of every group in an aggregated discovery document. */
function fromAggregated(doc: APIGroupDiscoveryList, resources: ApiResource[], failed: DiscoveryResult['failed']): void {
  for (const item of doc.items ?? []) {
    const group = item.metadata?.name ?? '';
    const preferred = item.versions?.[0];
    if (!preferred) continue;
    if (preferred.freshness === 'Stale') {
      // The server could not refresh this group version (an aggregated API that is down).
      failed.push({ groupVersion: group ? `${group}/${preferred.version}` : preferred.version, error: 'the API server reports its discovery as stale' });
      continue;
    }
    for (const r of preferred.resources ?? []) {
      const verbs = r.verbs ?? [];
      if (!verbs.includes('list')) continue;
      resources.push({
        group,
        version: preferred.version,
        resource: r.resource,
        // Never drop a listable resource over a missing kind: its objects carry their own.
        kind: r.responseKind?.kind ?? '',
        namespaced: r.scope === 'Namespaced',
        verbs,
        groupResource: groupResourceOf(group, r.resource),
        ...names(r.singularResource, r.shortNames),
      });
    }
  }
}

/** The other names kubectl accepts for a resource (selection resolves them, cluster/resource-names.ts). */
function names(singular: string | undefined, shortNames: string[] | undefined): Pick<ApiResource, 'singularName' | 'shortNames'> {
  return { ...(singular ? { singularName: singular } : {}), ...(shortNames?.length ? { shortNames } : {}) };
}
