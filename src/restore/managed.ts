// Objects a controller in the target cluster owns and recreates: restoring them is at best
// useless and at worst fights the controller (it deletes what it did not make, or the stale
// copy routes traffic to pods of the source cluster until it is noticed). They stay in backups
// (a record of the state) but a restore skips them, reporting "managed by <controller>". Pure.
//
// Velero never restores nodes, events and events.events.k8s.io (cairn never even backs those up:
// cluster/selection.ts ALWAYS_EXCLUDED), nor csinodes.storage.k8s.io and
// volumeattachments.storage.k8s.io (pkg/restore/restore.go nonRestorableResources). cairn adds:
// - EndpointSlices labelled endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io
//   (and the mirroring controller's): the endpointslice controller makes them for every Service
//   with a selector and deletes the ones it did not make. Slices other managers own are restored.
// - Endpoints of a Service with a selector: the endpoints controller writes them from the pods
//   it selects (pkg/controller/endpoint). Endpoints of a selector-less Service are the user's and
//   are restored.
import type { Item } from '../cluster/types.ts';

export const ENDPOINTSLICES = 'endpointslices.discovery.k8s.io';
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

/** Group-resources whose every object a component of the target cluster maintains. */
const ALWAYS_MANAGED: Record<string, string> = {
  'csinodes.storage.k8s.io': 'kubelet (CSI node registration)',
  'volumeattachments.storage.k8s.io': 'attachdetach-controller',
};

/** Managers of EndpointSlices that belong to Kubernetes itself. */
const SLICE_CONTROLLERS = new Set(['endpointslice-controller.k8s.io', 'endpointslicemirroring-controller.k8s.io']);

export interface ManagedIndex {
  /** "namespace/name" of the Services with a selector, among the items restored. */
  selectorServices: Set<string>;
}

export function managedIndex(items: readonly Item[]): ManagedIndex {
  const selectorServices = new Set<string>();
  for (const i of items) {
    if (i.groupResource !== 'services') continue;
    const selector = (i.object.spec as { selector?: Record<string, string> } | undefined)?.selector;
    if (selector && Object.keys(selector).length > 0) selectorServices.add(`${i.namespace}/${i.name}`);
  }
  return { selectorServices };
}

/** The controller that maintains `item` in the target cluster, or undefined when it is the user's. */
export function managedBy(item: Item, index: ManagedIndex): string | undefined {
  const always = ALWAYS_MANAGED[item.groupResource];
  if (always) return always;
  if (item.groupResource === ENDPOINTSLICES) {
    const manager = item.object.metadata.labels?.[MANAGED_BY_LABEL];
    return manager && SLICE_CONTROLLERS.has(manager) ? manager : undefined;
  }
  if (item.groupResource === 'endpoints' && index.selectorServices.has(`${item.namespace}/${item.name}`)) return 'endpoint-controller';
  return undefined;
}
