// Which backed-up items a restore selects: the request's namespace, resource, label and
// cluster-scope filters with Velero's semantics (src/cluster/selection.ts, shared with backups).
// Pure. Runs in two passes: `mayRestore` on index rows before the archive is read (so only
// candidate items are parsed and kept), then `selectItems` on the parsed objects.
import type { ResourceSelection } from '../api/types.ts';
import type { Item } from '../cluster/types.ts';
import type { IndexEntry } from '../storage/types.ts';
import { canonicalGroupResource } from '../cluster/discovery.ts';
import {
  CRDS,
  allNamespacesSelected,
  includeClusterScoped,
  namespaceIncluded,
  objectSelected,
  resourceExcluded,
  resourceIncluded,
} from '../cluster/selection.ts';

const PVS = 'persistentvolumes';
const PVCS = 'persistentvolumeclaims';

/** Cheap pre-filter on an index row: false means the item can never be selected. */
export function mayRestore(entry: Pick<IndexEntry, 'groupResource' | 'namespace'>, sel: ResourceSelection): boolean {
  if (entry.namespace) return namespaceIncluded(entry.namespace, sel) && resourceIncluded(entry.groupResource, sel);
  if (entry.groupResource === PVS && autoClusterScope(sel) && !resourceExcluded(PVS, sel)) return true;
  return includeClusterScoped({ groupResource: entry.groupResource, namespaced: false }, sel);
}

function autoClusterScope(sel: ResourceSelection): boolean {
  const mode = sel.includeClusterResources;
  return (mode === undefined || mode === null) && !allNamespacesSelected(sel);
}

/**
 * The items the request restores. Namespaced items: namespace, resource and label filters.
 * Cluster-scoped items: includeClusterResources as in selection.ts; in "auto" mode with a
 * namespace filter this keeps the Namespace objects of included namespaces, the CRDs of the
 * custom resources being restored and, as Velero does, the PersistentVolumes bound to restored
 * PersistentVolumeClaims.
 */
export function selectItems(items: Item[], sel: ResourceSelection): Item[] {
  const namespaced = items.filter(
    (i) => i.namespace && namespaceIncluded(i.namespace, sel) && resourceIncluded(i.groupResource, sel) && objectSelected(i.object, sel),
  );
  const customResources = new Set(namespaced.map((i) => i.groupResource));
  // Cluster-scoped custom resources that pass the filters also need their CRDs.
  const crdDefined = new Set<string>();
  for (const i of items) if (i.groupResource === CRDS) crdDefined.add(i.name);
  for (const i of items) {
    if (!i.namespace && crdDefined.has(i.groupResource) && includeClusterScoped({ groupResource: i.groupResource, namespaced: false }, sel, { object: i.object })) {
      customResources.add(i.groupResource);
    }
  }
  const claims = new Set(namespaced.filter((i) => i.groupResource === PVCS).map((i) => `${i.namespace}/${i.name}`));

  const cluster = items.filter((i) => {
    if (i.namespace) return false;
    const res = { groupResource: i.groupResource, namespaced: false };
    if (includeClusterScoped(res, sel, { object: i.object, includedCustomResources: customResources })) return true;
    if (i.groupResource === PVS && autoClusterScope(sel) && !resourceExcluded(PVS, sel)) {
      const ref = (i.object.spec as { claimRef?: { namespace?: string; name?: string } } | undefined)?.claimRef;
      return !!ref && claims.has(`${ref.namespace}/${ref.name}`);
    }
    return false;
  });
  return dropCohabitingDuplicates([...cluster, ...namespaced]);
}

/**
 * A backup taken before de-duplication (or by another tool) may hold one object twice, under a
 * legacy group and its canonical one (cluster/discovery.ts COHABITING): it is restored once,
 * from the canonical group.
 */
function dropCohabitingDuplicates(items: Item[]): Item[] {
  const keys = new Set(items.map((i) => `${i.groupResource}|${i.namespace ?? ''}|${i.name}`));
  return items.filter((i) => {
    const canonical = canonicalGroupResource(i.groupResource);
    return canonical === i.groupResource || !keys.has(`${canonical}|${i.namespace ?? ''}|${i.name}`);
  });
}
