// No Secret value leaves the server. A restore's per-item diff carries old and new scalar values;
// for a Secret every value is replaced (not only data/stringData: annotations such as
// kubectl.kubernetes.io/last-applied-configuration copy the data), keeping the paths, so the
// reader still sees which fields changed.
import type { FieldChange, RestoreItemResult } from '../restore/types.ts';

export const REDACTED = '<redacted>';

/** Group-resources whose values are never shown: core Secrets. */
export function isSecret(groupResource: string): boolean {
  return groupResource === 'secrets' || groupResource === 'secrets.';
}

function redactChange(c: FieldChange): FieldChange {
  return { path: c.path, op: c.op, ...('old' in c ? { old: REDACTED } : {}), ...('new' in c ? { new: REDACTED } : {}) };
}

export function redactItem(item: RestoreItemResult): RestoreItemResult {
  if (!isSecret(item.groupResource) || !item.diff) return item;
  return { ...item, diff: item.diff.map(redactChange) };
}
