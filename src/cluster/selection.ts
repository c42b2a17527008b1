// What a backup (or restore) selects, with Velero's semantics. Pure: no I/O. The pattern rules
// (globs, label selectors, list validity) live in src/match/; this module composes them.
//
// - Namespaces: includedNamespaces globs (empty or "*" = all), excludedNamespaces globs win.
// - Resources: group-resource globs ("deployments.apps", "configmaps", "*.cluster.x-k8s.io", "*");
//   excludes win over includes; an empty include list means all. A backup first resolves plain
//   names through discovery as kubectl does (resource-names.ts), so "deploy" and "Deployment"
//   mean deployments.apps; globs are matched as written.
// - Never selected: events, events.events.k8s.io, nodes (Velero's non-restorable kinds). Pods,
//   ReplicaSets and the like are kept, as Velero keeps them: their owners recreate them anyway,
//   and a restore may exclude them.
// - Labels: labelSelector must match; orLabelSelectors, when given, must match at least one
//   (Velero forbids setting both; when both are set we require both). An object labelled
//   velero.io/exclude-from-backup=true or cairn.dev/exclude-from-backup=true (exactly "true") is
//   never backed up, whatever the selectors say (Velero's itemInclusionChecks).
// - Cluster-scoped objects, includeClusterResources:
//     true  → every cluster-scoped resource the resource filters select, labels applied;
//     false → none, not even Namespace objects (Velero's GlobalIncludesExcludes skips every
//             cluster-scoped resource) — in a backup; a restore still restores the Namespace
//             objects of included namespaces (includeClusterScoped);
//     unset → Velero's "auto": everything cluster-scoped when all namespaces are selected
//             (includes empty/"*" and no excludes); otherwise only what the namespaced items need:
//             the CRDs of the custom resources that had items (they obey excludedResources).
// - Namespace objects (Velero's nsTracker, item_collector.go, velero#7105): a backup archives the
//   Namespace of a namespace in which something was backed up, and of one its filters name: its
//   labels match labelSelector or one of orLabelSelectors, or its name passes the namespace
//   filter, unless the filter is "everything" and label selectors are set. Terminating
//   namespaces are never archived. See backupKeepsNamespace.
import type { LabelSelector, ResourceSelection } from '../api/types.ts';
import type { ApiResource, KubeObject } from './types.ts';
import { globMatch } from '../match/glob.ts';
import { includeExcludeProblems } from '../match/include-exclude.ts';
import { labelsMatch } from '../match/label-selector.ts';

/** Labels that keep an object out of every backup when set to exactly "true". */
export const EXCLUDE_FROM_BACKUP_LABELS: readonly string[] = ['velero.io/exclude-from-backup', 'cairn.dev/exclude-from-backup'];
/** Text every EXCLUDE_FROM_BACKUP_LABELS key contains: a list need parse only label maps holding it. */
export const EXCLUDE_FROM_BACKUP_TEXT = 'exclude-from-backup';

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

  // A restore's Namespace objects: those of included namespaces (backups use backupKeepsNamespace).
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
  const any = sel.orLabelSelectors; // no `?? []`: this runs for every listed object
  return !any || any.length === 0 || any.some((s) => labelsMatch(labels, s));
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

/** The object carries velero.io/exclude-from-backup or cairn.dev/exclude-from-backup set to "true". */
export function excludedByLabel(obj: Pick<KubeObject, 'metadata'>): boolean {
  const labels = obj.metadata.labels;
  return !!labels && EXCLUDE_FROM_BACKUP_LABELS.some((l) => labels[l] === 'true');
}

/** Whether a backup lists Namespace objects at all (Velero: the namespaces resource passes the filters). */
export function backupListsNamespaces(sel: ResourceSelection): boolean {
  return sel.includeClusterResources !== false && !resourceExcluded(NAMESPACES, sel);
}

/**
 * Whether a backup archives this Namespace object (Velero's nsTracker, see the header).
 * `withItems`: the namespaces in which something was backed up. When includedResources does not
 * include "namespaces", only those are kept (Velero keeps none; cairn keeps them so that a
 * restore into an empty cluster recreates each namespace with its labels and annotations).
 */
export function backupKeepsNamespace(ns: KubeObject, sel: ResourceSelection, withItems: ReadonlySet<string>): boolean {
  if (!backupListsNamespaces(sel) || excludedByLabel(ns)) return false;
  const phase = (ns.status as { phase?: unknown } | undefined)?.phase;
  if (phase === 'Terminating' || ns.metadata.deletionTimestamp) return false;
  const name = ns.metadata.name;
  if (withItems.has(name)) return true;
  if (!resourceIncluded(NAMESPACES, sel)) return false;
  const labels = ns.metadata.labels;
  if (sel.labelSelector && labelsMatch(labels, sel.labelSelector)) return true;
  if ((sel.orLabelSelectors ?? []).some((s) => labelsMatch(labels, s))) return true;
  const labelled = Boolean(sel.labelSelector) || (sel.orLabelSelectors ?? []).length > 0;
  if (labelled && allNamespacesSelected(sel)) return false;
  return namespaceIncluded(name, sel);
}

/** What Velero refuses in the selection's lists (ValidateIncludesExcludes), one message each. */
export function selectionProblems(sel: ResourceSelection): string[] {
  return [
    ...includeExcludeProblems('namespaces', sel.includedNamespaces, sel.excludedNamespaces).map((p) => `${p.list}Namespaces: ${p.message}`),
    ...includeExcludeProblems('resources', sel.includedResources, sel.excludedResources).map((p) => `${p.list}Resources: ${p.message}`),
  ];
}
