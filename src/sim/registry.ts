// Which group/version/resources the simulator serves: the built-in catalog plus whatever the
// established CRDs add. Discovery documents (/api, /apis, APIResourceList) are rendered from it.
import { BUILTIN_RESOURCES, groupResourceOf, type ResourceDef } from './catalog.ts';

export interface ServedResource extends ResourceDef {
  groupResource: string;
  /** Set for custom resources: the CRD that defines them. */
  crd?: string;
  /** The CRD's storage version (custom resources are stored once, served in every version). */
  storageVersion?: string;
  /**
   * Set for a resource served through a second group from another group's storage (cohabiting
   * resources: Ingress in extensions/v1beta1 and networking.k8s.io/v1 up to 1.21, one etcd key
   * prefix for both; pkg/kubeapiserver/default_storage_factory_builder.go's cohabitating
   * resources, the list kube-storage-version-migrator and Velero both special-case): the group
   * version objects are stored in. groupResource is then the storage's, so both share a table.
   */
  storedAs?: { group: string; version: string };
}

/**
 * Kubernetes version priority, as apimachinery's CompareKubeAwareVersionStrings orders it
 * (k8s.io/apimachinery/pkg/version/helpers.go): GA, then beta, then alpha; higher major first,
 * then higher minor; other names last, lexically. Negative when `a` comes first.
 */
function kubeAwareCompare(a: string, b: string): number {
  const rank = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    return m ? [m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2, Number(m[1]), m[3] ? Number(m[3]) : 0] : undefined;
  };
  const ra = rank(a);
  const rb = rank(b);
  if (!ra || !rb) return ra ? -1 : rb ? 1 : a.localeCompare(b);
  return rb[0] - ra[0] || rb[1] - ra[1] || rb[2] - ra[2];
}

/**
 * Ingress served through extensions/v1beta1 as well as networking.k8s.io/v1, one storage: the
 * shape of Kubernetes 1.19-1.21 (pkg/registry/networking/rest/storage_settings.go wires the
 * networking.k8s.io ingress storage into the extensions group too). The two versions' fields
 * differ (serviceName/servicePort vs service.name/port); the simulator does not convert them,
 * it only serves one object through both groups.
 */
const COHABITING_INGRESS: ServedResource = {
  group: 'extensions',
  version: 'v1beta1',
  resource: 'ingresses',
  singular: 'ingress',
  kind: 'Ingress',
  listKind: 'IngressList',
  namespaced: true,
  shortNames: ['ing'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: ['status'],
  groupResource: 'ingresses.networking.k8s.io',
  storedAs: { group: 'networking.k8s.io', version: 'v1' },
}

const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  log: ['get'],
  exec: ['create', 'get'],
  eviction: ['create'],
  binding: ['create'],
  proxy: ['create', 'delete', 'get', 'patch', 'update'],
  token: ['create'],
  finalize: ['update'],
};

const SUBRESOURCE_KIND: Record<string, { group: string; version: string; kind: string }> = {
  scale: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  eviction: { group: 'policy', version: 'v1', kind: 'Eviction' },
  token: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
  binding: { group: '', version: 'v1', kind: 'Binding' },
  log: { group: '', version: 'v1', kind: 'Pod' },
};

function gvKey(group: string, version: string): string {
  return `${group}/${version}`;
}

export class Registry {
  /** group/version → resource plural → definition. Insertion order is discovery order. */
  private readonly byGroupVersion = new Map<string, Map<string, ServedResource>>();
  /** group → versions in preference order (first is preferred). */
  private readonly groups = new Map<string, string[]>();

  /** @param cohabiting also serve Ingress through extensions/v1beta1, as 1.19-1.21 do. */
  constructor(cohabiting = false) {
    for (const def of BUILTIN_RESOURCES) this.add({ ...def, groupResource: groupResourceOf(def.group, def.resource) });
    if (cohabiting) this.add(COHABITING_INGRESS);
  }

  private add(def: ServedResource): void {
    const key = gvKey(def.group, def.version);
    let resources = this.byGroupVersion.get(key);
    if (!resources) {
      resources = new Map();
      this.byGroupVersion.set(key, resources);
    }
    resources.set(def.resource, def);
    const versions = this.groups.get(def.group) ?? [];
    if (!versions.includes(def.version)) versions.push(def.version);
    this.groups.set(def.group, versions);
  }

  lookup(group: string, version: string, resource: string): ServedResource | undefined {
    return this.byGroupVersion.get(gvKey(group, version))?.get(resource);
  }

  /** The resource serving `kind` at `apiVersion` ("v1", "apps/v1"). */
  byKind(apiVersion: string, kind: string): ServedResource | undefined {
    const slash = apiVersion.indexOf('/');
    const key = slash < 0 ? gvKey('', apiVersion) : gvKey(apiVersion.slice(0, slash), apiVersion.slice(slash + 1));
    for (const def of this.byGroupVersion.get(key)?.values() ?? []) if (def.kind === kind) return def;
    return undefined;
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.byGroupVersion.has(gvKey(group, version));
  }

  hasGroup(group: string): boolean {
    return this.groups.has(group);
  }

  isBuiltinGroup(group: string): boolean {
    return BUILTIN_RESOURCES.some((d) => d.group === group);
  }

  /**
   * Registers a CRD's served versions. A custom group's versions are those any of its CRDs
   * serve, in Kubernetes version priority, the first preferred: the apiextensions-apiserver's
   * discovery controller sorts them so (sortGroupDiscoveryByKubeAwareVersion in
   * apiextensions-apiserver/pkg/apiserver/customresource_discovery_controller.go). So a group's
   * preferred version need not serve every resource of the group.
   */
  registerCustom(defs: ServedResource[]): void {
    for (const def of defs) this.add(def);
    for (const group of new Set(defs.map((d) => d.group))) this.groups.get(group)?.sort(kubeAwareCompare);
  }

  /** Removes everything a CRD registered; groups left empty disappear from discovery. */
  unregisterCustom(crdName: string): void {
    for (const [key, resources] of this.byGroupVersion) {
      for (const [plural, def] of resources) if (def.crd === crdName) resources.delete(plural);
      if (resources.size === 0) {
        this.byGroupVersion.delete(key);
        const [group, version] = [key.slice(0, key.lastIndexOf('/')), key.slice(key.lastIndexOf('/') + 1)];
        const versions = (this.groups.get(group) ?? []).filter((v) => v !== version);
        if (versions.length) this.groups.set(group, versions);
        else this.groups.delete(group);
      }
    }
  }

  // ---- discovery documents -------------------------------------------------------------

  apiVersions(serverAddress: string): Record<string, unknown> {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  private apiGroup(group: string): Record<string, unknown> {
    const versions = (this.groups.get(group) ?? []).map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
    return { name: group, versions, preferredVersion: versions[0] };
  }

  apiGroupList(): Record<string, unknown> {
    const groups = [...this.groups.keys()].filter((g) => g !== '').map((g) => this.apiGroup(g));
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }

  apiGroupDoc(group: string): Record<string, unknown> {
    return { kind: 'APIGroup', apiVersion: 'v1', ...this.apiGroup(group) };
  }

  resourceList(group: string, version: string): Record<string, unknown> {
    const resources: Record<string, unknown>[] = [];
    for (const def of this.byGroupVersion.get(gvKey(group, version))?.values() ?? []) {
      resources.push({
        name: def.resource,
        singularName: def.singular,
        namespaced: def.namespaced,
        kind: def.kind,
        verbs: def.verbs,
        ...(def.shortNames.length ? { shortNames: def.shortNames } : {}),
        ...(def.categories ? { categories: def.categories } : {}),
      });
      for (const sub of def.subresources) {
        const kind = SUBRESOURCE_KIND[sub];
        resources.push({
          name: `${def.resource}/${sub}`,
          singularName: '',
          namespaced: def.namespaced,
          ...(kind && kind.kind !== def.kind ? { group: kind.group, version: kind.version } : {}),
          kind: kind?.kind ?? def.kind,
          verbs: SUBRESOURCE_VERBS[sub] ?? ['get'],
        });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
  }

  /**
   * Aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList, Kubernetes >= 1.26):
   * every group with every version in preference order and its resources, subresources nested,
   * in one document — for /api (`core`: the legacy group) or /apis (every named group).
   */
  aggregatedDiscovery(core: boolean): Record<string, unknown> {
    const groups = core ? [''] : [...this.groups.keys()].filter((g) => g !== '');
    const items = groups.map((group) => ({
      metadata: group ? { name: group } : {},
      versions: (this.groups.get(group) ?? []).map((version) => ({
        version,
        resources: [...(this.byGroupVersion.get(gvKey(group, version))?.values() ?? [])].map((def) => ({
          resource: def.resource,
          responseKind: { group, version, kind: def.kind },
          scope: def.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: def.singular,
          verbs: def.verbs,
          ...(def.shortNames.length ? { shortNames: def.shortNames } : {}),
          ...(def.categories ? { categories: def.categories } : {}),
          ...(def.subresources.length
            ? {
                subresources: def.subresources.map((sub) => ({
                  subresource: sub,
                  responseKind: SUBRESOURCE_KIND[sub] ?? { group, version, kind: def.kind },
                  verbs: SUBRESOURCE_VERBS[sub] ?? ['get'],
                })),
              }
            : {}),
        })),
        freshness: 'Current',
      })),
    }));
    return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
  }
}
