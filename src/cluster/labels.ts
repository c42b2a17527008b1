// Kubernetes label selectors (matchLabels + matchExpressions), evaluated client-side.
import type { LabelSelector } from '../api/types.ts';

/** True when `labels` satisfy every term of `selector`. An empty selector matches everything. */
export function labelsMatch(labels: Record<string, string> | undefined, selector: LabelSelector): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(have, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!present || !values.includes(have[req.key])) return false;
        break;
      case 'NotIn':
        // Kubernetes: NotIn matches objects that lack the key.
        if (present && values.includes(have[req.key])) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/**
 * The selector in the API server's string form ("a=b,c in (x,y),!d"), for pushing the filter
 * to the server. Returns undefined for an empty selector.
 */
export function formatLabelSelector(selector: LabelSelector): string | undefined {
  const terms: string[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) terms.push(`${key}=${value}`);
  for (const req of selector.matchExpressions ?? []) {
    const values = (req.values ?? []).join(',');
    if (req.operator === 'In') terms.push(`${req.key} in (${values})`);
    else if (req.operator === 'NotIn') terms.push(`${req.key} notin (${values})`);
    else if (req.operator === 'Exists') terms.push(req.key);
    else if (req.operator === 'DoesNotExist') terms.push(`!${req.key}`);
  }
  return terms.length ? terms.join(',') : undefined;
}
