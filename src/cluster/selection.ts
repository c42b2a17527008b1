// What a backup (or restore) selects, with Velero's semantics. Pure: no I/O.
//
// - Namespaces: includedNamespaces globs (empty or "*" = all), excludedNamespaces globs win.
// - Resources: group-resource globs ("deployments.apps", "configmaps", "*.cluster.x-k8s.io", "*");
//   excludes win over includes; an empty include list means all. Write "deployments.apps", not
//   "deployments": patterns match the group-resource string, they are not resolved through discovery.
// - Never selected: events, events.events.k8s.io, nodes (Velero's non-restorable kinds). Pods,
//   ReplicaSets and the like are kept, as Velero keeps them: their owners recreate them anyway,
//   and a restore may exclude them.
// - Labels: labelSelector must match; orLabelSelectors, when given, must match at least one
//   (Velero forbids setting both; when both are set we require both).
// - Cluster-scoped objects, includeClusterResources:
//     true  → every cluster-scoped resource the resource filters select, labels applied;
//     false → none, except the Namespace objects of included namespaces (Velero always backs
//             those up, velero#182);
//     in every mode the Namespace objects of excluded namespaces stay out (velero#9180);
//     unset → Velero's "auto": everything cluster-scoped when all namespaces are selected
//             (includes empty/"*" and no excludes); otherwise only what the namespaced items need:
//             the Namespace objects of included namespaces and the CRDs of the custom resources
//             that had items. Those "needed" objects skip the include list and label selectors
//             (velero#6302: a namespace is kept even when its labels don't match) but obey
//             excludedResources.
import type { LabelSelector, ResourceSelection } from '../api/types.ts';
import type { ApiResource, KubeObject } from './types.ts';
import { globMatch } from './glob.ts';
import { labelsMatch } from './labels.ts';

export { globMatch, isGlob } from './glob.ts';
export { labelsMatch, formatLabelSelector } from './labels.ts';

/** Group-resources never backed up or restored. */
export const ALWAYS_EXCLUDED: readonly string[] = ['events', 'events.events.k8s.io', 'nodes'];

export const NAMESPACES = 'namespaces';
export const CRDS = 'customresourcedefinitions.apiextensions.k8s.io';

function matchesAny(patterns: readonly string[] | undefined, value: string): boolean {
  return (patterns ?? []).some((p) => globMatch(p, value));
}

function includesAll(patterns: readonly string[] | undefined): boolean {
  return !patterns || patterns.length === 0 || patterns.includes('*');
}

export function namespaceIncluded(ns: string, sel: ResourceSelection): boolean {
  if (matchesAny(sel.excludedNamespaces, ns)) return false;
  return includesAll(sel.includedNamespaces) || matchesAny(sel.includedNamespaces, ns);
}

/** True when every namespace is selected: Velero's condition for "auto" cluster resources. */
export function allNamespacesSelected(sel: ResourceSelection): boolean {
  return includesAll(sel.includedNamespaces) && (sel.excludedNamespaces ?? []).length === 0;
}

/** Excluded explicitly, or one of ALWAYS_EXCLUDED. */
export function resourceExcluded(groupResource: string, sel: ResourceSelection): boolean {
  return ALWAYS_EXCLUDED.includes(groupResource) || matchesAny(sel.excludedResources, groupResource);
}

export function resourceIncluded(groupResource: string, sel: ResourceSelection): boolean {
  if (resourceExcluded(groupResource, sel)) return false;
  return includesAll(sel.includedResources) || matchesAny(sel.includedResources, groupResource);
}

export interface ClusterScopeContext {
  /** The object being decided; without it the answer is "may any object of `res` be selected?". */
  object?: KubeObject;
  /** Group-resources of the custom resources that had items ("widgets.example.com"). */
  includedCustomResources?: ReadonlySet<string>;
}

/** The group-resource a CRD object defines ("widgets.example.com"). */
export function crdGroupResource(crd: KubeObject): string | undefined {
  const spec = crd.spec as { group?: unknown; names?: { plural?: unknown } } | undefined;
  if (typeof spec?.group !== 'string' || typeof spec.names?.plural !== 'string') return undefined;
  return `${spec.names.plural}.${spec.group}`;
}

/**
 * Whether a cluster-scoped resource (or one of its objects) is selected, following
 * includeClusterResources (see the header). Namespaced resources always answer true here:
 * their scope is decided by namespaceIncluded.
 */
export function includeClusterScoped(
  res: Pick<ApiResource, 'groupResource' | 'namespaced'>,
  sel: ResourceSelection,
  context: ClusterScopeContext = {},
): boolean {
  if (res.namespaced) return true;
  const gr = res.groupResource;
  if (resourceExcluded(gr, sel)) return false;
  const mode = sel.includeClusterResources;
  const everything = mode === true || ((mode === undefined || mode === null) && allNamespacesSelected(sel));
  const { object } = context;

  // The Namespace objects of included namespaces, and only those (velero#9180).
  if (gr === NAMESPACES) return !object || namespaceIncluded(object.metadata.name, sel);
  if (mode === false) return false;
  if (everything && resourceIncluded(gr, sel) && (!object || objectSelected(object, sel))) return true;
  // Beyond that, only the CRDs the backed-up custom resources need.
  if (gr !== CRDS) return false;
  if (!object) return true;
  const defined = crdGroupResource(object);
  return defined !== undefined && (context.includedCustomResources?.has(defined) ?? false);
}

/** labelSelector and orLabelSelectors (any of) against the object's labels. */
export function objectSelected(obj: Pick<KubeObject, 'metadata'>, sel: Pick<ResourceSelection, 'labelSelector' | 'orLabelSelectors'>): boolean {
  const labels = obj.metadata.labels;
  if (sel.labelSelector && !labelsMatch(labels, sel.labelSelector)) return false;
  const any: LabelSelector[] = sel.orLabelSelectors ?? [];
  return any.length === 0 || any.some((s) => labelsMatch(labels, s));
}

/**
 * The label selector that can be sent to the server for a list (narrowing the transfer);
 * undefined when the filter must run client-side only (orLabelSelectors). The client-side
 * check still runs on every object.
 */
export function serverLabelSelector(sel: ResourceSelection): LabelSelector | undefined {
  if ((sel.orLabelSelectors ?? []).length > 0) return undefined;
  return sel.labelSelector;
}
