// Which lists a backup makes, and which listed objects it keeps — pure, from discovery and the
// selection (cluster/selection.ts holds the semantics).
import type { ResourceSelection } from '../api/types.ts';
import type { ApiResource, KubeObject } from '../cluster/types.ts';
import {
  allNamespacesSelected,
  CRDS,
  backupKeepsNamespace,
  backupListsNamespaces,
  excludedByLabel,
  includeClusterScoped,
  namespaceIncluded,
  objectSelected,
  resourceIncluded,
  serverLabelSelector,
  NAMESPACES,
  resourceExcluded,
} from '../cluster/selection.ts';
import { isGlob } from '../match/glob.ts';
import { formatLabelSelector } from '../match/label-selector.ts';

export interface ListTask {
  res: ApiResource;
  /** List in this namespace only; undefined = across all namespaces (or cluster-scoped). */
  namespace?: string;
  /** Pushed to the server to narrow the transfer; objects are re-checked client-side anyway. */
  labelSelector?: string;
  /** CRDs and Namespaces are listed after everything else: which ones are kept depends on what was found. */
  deferred: boolean;
}

export const PVS = 'persistentvolumes';
export const PVCS = 'persistentvolumeclaims';

/**
 * Velero's rule for volumes: a backup of some namespaces with includeClusterResources unset
 * also takes the PersistentVolume bound to each PersistentVolumeClaim it takes (the claim is
 * useless without it), unless persistentvolumes is excluded. includeClusterResources false
 * means no cluster-scoped object, PVs included; true takes every PV anyway.
 */
export function volumesOfClaims(sel: ResourceSelection): boolean {
  const mode = sel.includeClusterResources;
  return (mode === undefined || mode === null) && !allNamespacesSelected(sel) && !resourceExcluded(PVS, sel) && resourceIncluded(PVCS, sel);
}

/**
 * Namespaces to list one by one when includedNamespaces is a plain list of names (cheaper on a
 * big cluster, and fine under namespace-scoped RBAC); undefined = list across all namespaces.
 */
export function literalNamespaces(sel: ResourceSelection): string[] | undefined {
  const inc = sel.includedNamespaces ?? [];
  if (inc.length === 0 || inc.some((p) => p === '*' || isGlob(p))) return undefined;
  return [...new Set(inc)].filter((ns) => namespaceIncluded(ns, sel)).sort();
}

/**
 * The lists to make: at most one per resource and namespace, and never a namespace's list beside
 * an all-namespaces one of the same resource, so no object is in two lists (backup/list-keys.ts
 * relies on it). A resource discovery reported twice is listed once.
 */
export function planLists(resources: readonly ApiResource[], sel: ResourceSelection): ListTask[] {
  const tasks: ListTask[] = [];
  const planned = new Set<string>();
  const namespaces = literalNamespaces(sel);
  const server = serverLabelSelector(sel);
  const labelSelector = server ? formatLabelSelector(server) : undefined;
  for (const res of resources) {
    if (planned.has(res.groupResource)) continue;
    planned.add(res.groupResource);
    if (res.namespaced) {
      if (!resourceIncluded(res.groupResource, sel)) continue;
      if (namespaces) for (const namespace of namespaces) tasks.push({ res, namespace, labelSelector, deferred: false });
      else tasks.push({ res, labelSelector, deferred: false });
      continue;
    }
    if (res.groupResource === PVS && volumesOfClaims(sel)) {
      // Listed after the claims, whole (claimRef is in spec); kept by keepObject.
      tasks.push({ res, deferred: true });
      continue;
    }
    if (res.groupResource === NAMESPACES) {
      // Kept by what was found in them or by their own labels (backupKeepsNamespace): listed whole.
      if (backupListsNamespaces(sel)) tasks.push({ res, deferred: true });
      continue;
    }
    if (!includeClusterScoped(res, sel)) continue;
    // CRDs may be kept regardless of labels (the custom resources need them), so list them whole.
    const crds = res.groupResource === CRDS;
    tasks.push({ res, labelSelector: crds ? undefined : labelSelector, deferred: crds });
  }
  return tasks;
}

/** What the lists archived so far hold, which decides the deferred lists (CRDs, Namespaces). */
export interface Found {
  /** Group-resources with items ("widgets.example.com"). */
  resources: ReadonlySet<string>;
  /** Namespaces in which an item was archived. */
  namespaces: ReadonlySet<string>;
  /** "namespace/name" of the claims archived: their volumes come too (volumesOfClaims). */
  claims?: ReadonlySet<string>;
}

/**
 * Whether a listed object goes into the backup. `nsIncluded` answers namespaceIncluded(ns, sel):
 * a backup passes one that remembers its answer per namespace, since matching the namespace
 * patterns again for each of 10,000 objects in a few namespaces cost ~8 ms a backup.
 */
export function keepObject(
  res: ApiResource,
  obj: KubeObject,
  sel: ResourceSelection,
  found: Found,
  nsIncluded: (ns: string) => boolean = (ns) => namespaceIncluded(ns, sel),
): boolean {
  // Velero's itemInclusionChecks: the exclude label first, and never an object being deleted.
  if (excludedByLabel(obj) || obj.metadata.deletionTimestamp) return false;
  if (res.groupResource === PVS && found.claims && volumesOfClaims(sel)) {
    const ref = (obj.spec as { claimRef?: { namespace?: string; name?: string } } | undefined)?.claimRef;
    if (ref && found.claims.has(`${ref.namespace}/${ref.name}`)) return true;
  }
  if (res.namespaced) {
    const ns = obj.metadata.namespace;
    return ns !== undefined && nsIncluded(ns) && objectSelected(obj, sel);
  }
  if (res.groupResource === NAMESPACES) return backupKeepsNamespace(obj, sel, found.namespaces);
  return includeClusterScoped(res, sel, { object: obj, includedCustomResources: found.resources });
}

/** namespaceIncluded(ns, sel), remembered per namespace (one backup's selection never changes). */
export function namespaceMemo(sel: ResourceSelection): (ns: string) => boolean {
  const known = new Map<string, boolean>();
  return (ns) => {
    let yes = known.get(ns);
    if (yes === undefined) known.set(ns, (yes = namespaceIncluded(ns, sel)));
    return yes;
  };
}

/** Include patterns that match no served resource: almost always a typo or a missing group. */
export function unmatchedIncludes(resources: readonly ApiResource[], sel: ResourceSelection): string[] {
  return (sel.includedResources ?? []).filter((p) => p !== '*' && !resources.some((r) => resourceIncluded(r.groupResource, { includedResources: [p] })));
}
