// Turns verified backup items into restore items: prepare (drop server fields), run the
// resource modifiers (conditions see the backup's namespace, before mapping), then apply
// namespaceMapping and add the target namespaces that must exist. Pure.
import type { RestoreRequestSpec } from '../api/types.ts';
import type { Item } from '../cluster/types.ts';
import { mapItemNamespace, missingNamespaces } from './mapping.ts';
import { prepareObject } from './prepare.ts';
import type { RestoreItem, RestoreItemResult } from './types.ts';

/** What the pipeline needs from compiled modifiers (src/modifiers). */
export interface ItemModifier {
  apply(input: { groupResource: string; namespace?: string; object: Item['object'] }): {
    object: Item['object'];
    applied: number[];
    errors: { rule: number; message: string }[];
  };
}

export interface PreparedItems {
  items: RestoreItem[];
  /** Items a modifier failed on: reported as failed, never applied. */
  failed: RestoreItemResult[];
}

export function prepareItems(selected: Item[], spec: RestoreRequestSpec, modifier?: ItemModifier): PreparedItems {
  const items: RestoreItem[] = [];
  const failed: RestoreItemResult[] = [];
  const mapping = spec.namespaceMapping ?? {};
  for (const src of selected) {
    let object = prepareObject(src.groupResource, src.object, { restoreStatus: spec.restoreStatus, preserveNodePorts: spec.preserveNodePorts });
    const item: RestoreItem = { groupResource: src.groupResource, backupNamespace: src.namespace, namespace: src.namespace, name: src.name, object };
    if (modifier) {
      const out = modifier.apply({ groupResource: src.groupResource, namespace: src.namespace, object });
      if (out.errors.length) {
        mapItemNamespace(item, mapping);
        const r: RestoreItemResult = { groupResource: item.groupResource, name: item.name, action: 'failed' };
        if (item.namespace) r.namespace = item.namespace;
        if (item.backupNamespace && item.backupNamespace !== item.namespace) r.backupNamespace = item.backupNamespace;
        r.error = out.errors.map((e) => `resource modifier rule ${e.rule}: ${e.message}`).join('; ');
        failed.push(r);
        continue;
      }
      object = out.object;
      item.object = object;
      // A rule may rename the object; the namespace only moves through namespaceMapping.
      if (typeof object.metadata?.name === 'string') item.name = object.metadata.name;
      if (src.namespace) object.metadata.namespace = src.namespace;
      if (out.applied.length) item.modifiers = out.applied;
    }
    mapItemNamespace(item, mapping);
    items.push(item);
  }
  return { items: [...missingNamespaces(items), ...items], failed };
}
