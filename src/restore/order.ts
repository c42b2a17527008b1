// The order items are restored in: Velero's default restore priorities.
//
// Copied from Velero's `defaultRestorePriorities` (vmware-tanzu/velero, pkg/cmd/server/server.go):
// high priorities in this order, then every other group-resource alphabetically, then the
// low priorities last. Velero's reasons, in short: CRDs before their custom resources;
// namespaces before what lives in them; storage classes, snapshot classes/contents, PVs and
// PVCs before the pods that mount them; service accounts, secrets, config maps and limit ranges
// before the pods that use them; pods and replica sets before the controllers that adopt them;
// CAPI ClusterClasses before Clusters; endpoints before services (so no new endpoints are made).
// Low: Tanzu ClusterBootstraps, then CAPI Clusters, then ClusterResourceSets
// (kubernetes-sigs/cluster-api#4105).
import type { RestoreItem } from './types.ts';

export const HIGH_PRIORITIES: readonly string[] = [
  'customresourcedefinitions',
  'namespaces',
  'storageclasses',
  'volumesnapshotclass.snapshot.storage.k8s.io',
  'volumesnapshotcontents.snapshot.storage.k8s.io',
  'volumesnapshots.snapshot.storage.k8s.io',
  'datauploads.velero.io',
  'persistentvolumes',
  'persistentvolumeclaims',
  'serviceaccounts',
  'secrets',
  'configmaps',
  'limitranges',
  'pods',
  'replicasets.apps',
  'clusterclasses.cluster.x-k8s.io',
  'endpoints',
  'services',
];

export const LOW_PRIORITIES: readonly string[] = [
  'clusterbootstraps.run.tanzu.vmware.com',
  'clusters.cluster.x-k8s.io',
  'clusterresourcesets.addons.cluster.x-k8s.io',
];

// Velero resolves its list through the API's REST mapper, so a short or singular entry names the
// discovered group-resource: "customresourcedefinitions" is customresourcedefinitions.apiextensions.k8s.io,
// "storageclasses" is storageclasses.storage.k8s.io, and the singular "volumesnapshotclass" entry
// is volumesnapshotclasses. These map discovered names onto the list's entries.
const ALIASES: Record<string, string> = {
  'customresourcedefinitions.apiextensions.k8s.io': 'customresourcedefinitions',
  'storageclasses.storage.k8s.io': 'storageclasses',
  'volumesnapshotclasses.snapshot.storage.k8s.io': 'volumesnapshotclass.snapshot.storage.k8s.io',
};

export function priorityKey(groupResource: string): string {
  return ALIASES[groupResource] ?? groupResource;
}

/** Sorts group-resources into restore order. */
export function orderGroupResources(groupResources: Iterable<string>): string[] {
  const all = [...new Set(groupResources)];
  const rank = (gr: string): [number, number] => {
    const key = priorityKey(gr);
    const hi = HIGH_PRIORITIES.indexOf(key);
    if (hi >= 0) return [0, hi];
    const lo = LOW_PRIORITIES.indexOf(key);
    if (lo >= 0) return [2, lo];
    return [1, 0];
  };
  return all.sort((a, b) => {
    const [ra, ia] = rank(a);
    const [rb, ib] = rank(b);
    if (ra !== rb) return ra - rb;
    if (ia !== ib) return ia - ib;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

export interface RestoreStep {
  groupResource: string;
  items: RestoreItem[];
}

/**
 * Groups items into steps, one per group-resource, in restore order. Items inside a step are
 * independent of each other and may be applied concurrently; steps run one after another.
 * Within a step, items keep a stable order (namespace, then name) so results read predictably.
 */
export function planSteps(items: RestoreItem[]): RestoreStep[] {
  const byGr = new Map<string, RestoreItem[]>();
  for (const item of items) {
    const list = byGr.get(item.groupResource);
    if (list) list.push(item);
    else byGr.set(item.groupResource, [item]);
  }
  return orderGroupResources(byGr.keys()).map((groupResource) => ({
    groupResource,
    items: byGr.get(groupResource)!.sort(compareItems),
  }));
}

function compareItems(a: RestoreItem, b: RestoreItem): number {
  const ka = `${a.namespace ?? ''}/${a.name}`;
  const kb = `${b.namespace ?? ''}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
