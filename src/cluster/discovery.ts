// API discovery. Aggregated discovery first (apidiscovery.k8s.io/v2, Kubernetes >= 1.26):
// /api and /apis each answer with every group, version and resource in one document, two
// requests in all. A server that does not offer it answers the same two requests with the
// classic APIVersions / APIGroupList, and every version of every group is then fetched.
//
// Every group-resource the server serves is found, not only those of each group's preferred
// version: the preferred version need not serve them all (on 1.20, batch/v1 is preferred and
// CronJob is served only in batch/v1beta1; a CRD group may hold one CRD served only in v1alpha1
// beside others in v1). Each group-resource is read in its group's preferred version when that
// serves it, else in the newest version that does: the rule of client-go's
// ServerPreferredResources (discovery_client.go) and `kubectl api-resources`.
//
// One object may be served through two groups (cohabiting resources: on 1.20 Ingress is in
// extensions/v1beta1 and networking.k8s.io/v1, one storage). Such a group-resource is kept once,
// under its canonical group (COHABITING), so every object is archived and restored once.
//
// Subresources ("pods/log") and resources that cannot be listed are left out. A group version
// whose discovery fails or is stale (an aggregated API that is down, typically) is reported,
// not fatal.
import pLimit from 'p-limit';
import type { ApiResource } from './types.ts';
import type { Transport } from './transport.ts';
import { parseExact } from '../exact-json.ts';

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

/**
 * Resources served through two groups from one storage, legacy group first, canonical second.
 * The canonical group is where the resource lives on: the legacy one was removed from later
 * releases (extensions/v1beta1 deployments, daemonsets, replicasets, networkpolicies in 1.16,
 * ingresses in 1.22; Event's core v1 and events.k8s.io share one storage), so an item archived
 * under it restores into new clusters too. Velero keeps the same pairs (cohabitatingResources,
 * pkg/backup/item_collector.go).
 */
export const COHABITING: readonly { resource: string; legacy: string; canonical: string }[] = [
  { resource: 'deployments', legacy: 'extensions', canonical: 'apps' },
  { resource: 'daemonsets', legacy: 'extensions', canonical: 'apps' },
  { resource: 'replicasets', legacy: 'extensions', canonical: 'apps' },
  { resource: 'networkpolicies', legacy: 'extensions', canonical: 'networking.k8s.io' },
  { resource: 'ingresses', legacy: 'extensions', canonical: 'networking.k8s.io' },
  { resource: 'podsecuritypolicies', legacy: 'extensions', canonical: 'policy' },
  { resource: 'events', legacy: '', canonical: 'events.k8s.io' },
];

/** The canonical group-resource of a legacy alias ("ingresses.extensions" → "ingresses.networking.k8s.io"). */
export function canonicalGroupResource(groupResource: string): string {
  for (const c of COHABITING) if (groupResourceOf(c.legacy, c.resource) === groupResource) return groupResourceOf(c.canonical, c.resource);
  return groupResource;
}

/**
 * Kubernetes version priority (apimachinery's CompareKubeAwareVersionStrings): GA before beta
 * before alpha, then the higher major, then the higher minor; names of another shape last, in
 * lexical order. Negative when `a` comes first.
 */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return { major: Number(m[1]), stability: m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2, minor: m[3] ? Number(m[3]) : 0 };
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) return pa ? -1 : pb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  return pb.stability - pa.stability || pb.major - pa.major || pb.minor - pa.minor;
}

export interface DiscoveryResult {
  resources: ApiResource[];
  /** Group versions whose resource list could not be read, with why. */
  failed: { groupVersion: string; error: string }[];
  /** Legacy group-resources left out because their objects are read under the canonical one. */
  aliases: { groupResource: string; canonical: string }[];
}

export function groupResourceOf(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

/** One listable resource as one group version serves it. */
interface Served {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  singularName?: string;
  shortNames?: string[];
}

/** A group's versions in the server's preference order (the first is preferred). */
interface GroupVersions {
  group: string;
  preferred: string;
  versions: string[];
}

export async function discover(transport: Transport, concurrency: number): Promise<DiscoveryResult> {
  const get = async <T>(path: string, resource: string, accept?: string): Promise<T> => {
    const res = await transport.request({ method: 'GET', path, accept, target: { verb: 'get', resource } });
    return parseExact(res.body.toString('utf8')) as T;
  };
  const [core, groups] = await Promise.all([
    get<APIVersions | APIGroupDiscoveryList>('/api', 'API versions (/api)', ACCEPT),
    get<APIGroupList | APIGroupDiscoveryList>('/apis', 'API groups (/apis)', ACCEPT),
  ]);

  const served: Served[] = [];
  const order: GroupVersions[] = [];
  const failed: DiscoveryResult['failed'] = [];
  const targets: { group: string; version: string; path: string }[] = [];
  if (isAggregated(core)) fromAggregated(core, served, order, failed);
  // The core group has a single served version in practice ("v1"); take the first listed.
  else if (core.versions?.length) {
    targets.push({ group: '', version: core.versions[0], path: `/api/${core.versions[0]}` });
    order.push({ group: '', preferred: core.versions[0], versions: [core.versions[0]] });
  }
  if (isAggregated(groups)) {
    fromAggregated(groups, served, order, failed);
  } else {
    for (const g of groups.groups ?? []) {
      const preferred = g.preferredVersion ?? g.versions[0];
      if (!preferred) continue;
      order.push({ group: g.name, preferred: preferred.version, versions: g.versions.map((v) => v.version) });
      for (const v of g.versions) targets.push({ group: g.name, version: v.version, path: `/apis/${v.groupVersion}` });
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
      served.push({ group: entry.t.group, version: entry.t.version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs, ...names(r.singularName, r.shortNames) });
    }
  }

  const { resources, aliases } = choose(served, order);
  failed.sort((a, b) => byCodePoint(a.groupVersion, b.groupVersion));
  return { resources, failed, aliases };
}

/**
 * One ApiResource per group-resource: the preferred version when it serves it, else the newest
 * that does (compareKubeVersions, the server's order breaking ties); legacy aliases of a
 * served canonical group-resource left out.
 */
function choose(served: Served[], order: GroupVersions[]): { resources: ApiResource[]; aliases: DiscoveryResult['aliases'] } {
  const preferredOf = new Map(order.map((g) => [g.group, g.preferred]));
  const rankOf = new Map(order.map((g) => [g.group, new Map(g.versions.map((v, i) => [v, i]))]));
  const byGr = new Map<string, Served[]>();
  for (const s of served) {
    const gr = groupResourceOf(s.group, s.resource);
    const list = byGr.get(gr);
    if (list) list.push(s);
    else byGr.set(gr, [s]);
  }
  const resources: ApiResource[] = [];
  for (const [gr, list] of byGr) {
    const group = list[0].group;
    const preferred = preferredOf.get(group);
    const rank = rankOf.get(group);
    const sorted = [...list].sort(
      (a, b) =>
        Number(b.version === preferred) - Number(a.version === preferred) ||
        compareKubeVersions(a.version, b.version) ||
        (rank?.get(a.version) ?? 0) - (rank?.get(b.version) ?? 0),
    );
    const pick = sorted[0];
    const versions = [...new Set(sorted.map((s) => s.version))];
    resources.push({
      group,
      version: pick.version,
      resource: pick.resource,
      // Never drop a listable resource over a missing kind: its objects carry their own.
      kind: pick.kind || sorted.find((s) => s.kind)?.kind || '',
      namespaced: pick.namespaced,
      verbs: pick.verbs,
      groupResource: gr,
      ...names(pick.singularName ?? sorted.find((s) => s.singularName)?.singularName, pick.shortNames ?? sorted.find((s) => s.shortNames)?.shortNames),
      servedVersions: versions,
      preferredVersion: pick.version === preferred,
    });
  }
  const present = new Set(resources.map((r) => r.groupResource));
  const aliases: DiscoveryResult['aliases'] = [];
  const kept = resources.filter((r) => {
    const canonical = canonicalGroupResource(r.groupResource);
    if (canonical === r.groupResource || !present.has(canonical)) return true;
    aliases.push({ groupResource: r.groupResource, canonical });
    return false;
  });
  kept.sort((a, b) => byCodePoint(a.groupResource, b.groupResource));
  aliases.sort((a, b) => byCodePoint(a.groupResource, b.groupResource));
  return { resources: kept, aliases };
}

/**
 * Code-point order. Group, version and resource names are lower-case DNS labels, digits, '.',
 * '-' and '/', which ICU's root collation (localeCompare) orders the same way; localeCompare
 * would also load ICU's collation data into every `cairn run` (~2.6 MiB RSS, issue 17).
 */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every version of every group in an aggregated discovery document. */
function fromAggregated(doc: APIGroupDiscoveryList, served: Served[], order: GroupVersions[], failed: DiscoveryResult['failed']): void {
  for (const item of doc.items ?? []) {
    const group = item.metadata?.name ?? '';
    const versions = item.versions ?? [];
    if (!versions.length) continue;
    order.push({ group, preferred: versions[0].version, versions: versions.map((v) => v.version) });
    for (const v of versions) {
      if (v.freshness === 'Stale') {
        // The server could not refresh this group version (an aggregated API that is down).
        failed.push({ groupVersion: group ? `${group}/${v.version}` : v.version, error: 'the API server reports its discovery as stale' });
        continue;
      }
      for (const r of v.resources ?? []) {
        const verbs = r.verbs ?? [];
        if (!verbs.includes('list')) continue;
        served.push({
          group,
          version: v.version,
          resource: r.resource,
          kind: r.responseKind?.kind ?? '',
          namespaced: r.scope === 'Namespaced',
          verbs,
          ...names(r.singularResource, r.shortNames),
        });
      }
    }
  }
}

/** The other names kubectl accepts for a resource (selection resolves them, cluster/resource-names.ts). */
function names(singular: string | undefined, shortNames: string[] | undefined): Pick<ApiResource, 'singularName' | 'shortNames'> {
  return { ...(singular ? { singularName: singular } : {}), ...(shortNames?.length ? { shortNames } : {}) };
}
