// namespaceMapping: moves items into their target namespaces and makes sure every target
// namespace exists. Pure. The Namespace objects themselves are renamed, and the other places
// that name a namespace of the backup follow the mapping, as Velero does: a PersistentVolume's
// claimRef, and ServiceAccount subjects of (Cluster)RoleBindings.
import type { KubeObject } from '../cluster/types.ts';
import { NAMESPACES } from '../cluster/selection.ts';
import type { RestoreItem } from './types.ts';

const NAME_LABEL = 'kubernetes.io/metadata.name';

type Mapping = Readonly<Record<string, string>>;

function mapNs(ns: string, mapping: Mapping): string {
  return mapping[ns] ?? ns;
}

/** Applies the mapping to one item in place (its object is the item's own prepared copy). */
export function mapItemNamespace(item: RestoreItem, mapping: Mapping): void {
  const obj = item.object;
  if (item.backupNamespace) {
    item.namespace = mapNs(item.backupNamespace, mapping);
    obj.metadata.namespace = item.namespace;
  }
  if (item.groupResource === NAMESPACES) {
    const target = mapNs(item.name, mapping);
    item.name = target;
    obj.metadata.name = target;
    // The API server sets this label to the namespace's own name.
    if (obj.metadata.labels && NAME_LABEL in obj.metadata.labels) obj.metadata.labels[NAME_LABEL] = target;
  }
  if (item.groupResource === 'persistentvolumes') {
    const ref = (obj.spec as { claimRef?: { namespace?: string } } | undefined)?.claimRef;
    if (ref?.namespace) ref.namespace = mapNs(ref.namespace, mapping);
  }
  if (item.groupResource === 'rolebindings.rbac.authorization.k8s.io' || item.groupResource === 'clusterrolebindings.rbac.authorization.k8s.io') {
    const subjects = (obj as { subjects?: unknown }).subjects;
    if (Array.isArray(subjects)) {
      for (const s of subjects as { kind?: string; namespace?: string }[]) {
        if (s?.kind === 'ServiceAccount' && s.namespace) s.namespace = mapNs(s.namespace, mapping);
      }
    }
  }
}

/**
 * Bare Namespace objects for target namespaces that have namespaced items but no Namespace
 * object among the items, so the items have somewhere to land.
 */
export function missingNamespaces(items: RestoreItem[]): RestoreItem[] {
  const have = new Set(items.filter((i) => i.groupResource === NAMESPACES).map((i) => i.name));
  const need = new Set<string>();
  for (const i of items) if (i.namespace && !have.has(i.namespace)) need.add(i.namespace);
  return [...need].sort().map((name) => {
    const object: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
    return { groupResource: NAMESPACES, name, object, synthesized: true };
  });
}

/** The namespaces the restore writes into, after mapping (for the safety backup's scope). */
export function targetNamespaces(items: RestoreItem[]): string[] {
  const out = new Set<string>();
  for (const i of items) {
    if (i.namespace) out.add(i.namespace);
    if (i.groupResource === NAMESPACES) out.add(i.name);
  }
  return [...out].sort();
}
