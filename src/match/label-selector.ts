// Kubernetes label selectors (metav1.LabelSelector: matchLabels + matchExpressions), with the
// semantics of LabelSelectorAsSelector + Matches: every term must hold, an empty selector matches
// everything, NotIn and DoesNotExist match objects without the key. One home for every caller:
// backup/restore selection, modifier conditions, validation, and the string form sent to the
// API server.
import type { LabelSelector } from '../api/types.ts';
import { PatternError } from './errors.ts';

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

export interface SelectorProblem {
  code: 'selector.label-key' | 'selector.label-value' | 'selector.values' | 'selector.operator';
  /** Where inside the selector: ['matchLabels', key] or ['matchExpressions', i, 'values']. */
  path: (string | number)[];
  message: string;
  /** The problem is the map key itself (for positions in YAML). */
  target?: 'key';
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (!DNS_SUBDOMAIN.test(prefix) || prefix.length > 253)) {
    return `label key "${key}": the prefix before '/' must be a DNS subdomain (lowercase, e.g. k0rdent.mirantis.com)`;
  }
  if (!LABEL_NAME.test(name) || name.length > 63) {
    return `label key "${key}": the name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (!LABEL_NAME.test(value) || value.length > 63) {
    return `label value "${value}": at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Everything Kubernetes would refuse in `sel` (LabelSelectorAsSelector's errors). */
export function labelSelectorProblems(sel: unknown): SelectorProblem[] {
  if (!sel || typeof sel !== 'object' || Array.isArray(sel)) return [];
  const out: SelectorProblem[] = [];
  const { matchLabels, matchExpressions } = sel as { matchLabels?: unknown; matchExpressions?: unknown };
  if (matchLabels && typeof matchLabels === 'object' && !Array.isArray(matchLabels)) {
    for (const [k, v] of Object.entries(matchLabels)) {
      const kp = labelKeyProblem(k);
      if (kp) out.push({ code: 'selector.label-key', path: ['matchLabels', k], message: kp, target: 'key' });
      const vp = typeof v === 'string' ? labelValueProblem(v) : `label ${k}: the value must be a string`;
      if (vp) out.push({ code: 'selector.label-value', path: ['matchLabels', k], message: vp });
    }
  }
  if (Array.isArray(matchExpressions)) {
    matchExpressions.forEach((req: unknown, i) => {
      if (!req || typeof req !== 'object') return;
      const { key, operator, values } = req as { key?: unknown; operator?: unknown; values?: unknown };
      const at = ['matchExpressions', i];
      if (typeof key === 'string') {
        const kp = labelKeyProblem(key);
        if (kp) out.push({ code: 'selector.label-key', path: [...at, 'key'], message: kp });
      }
      const list = Array.isArray(values) ? values : [];
      if (typeof operator === 'string' && !OPERATORS.includes(operator)) {
        out.push({ code: 'selector.operator', path: [...at, 'operator'], message: `${JSON.stringify(operator)} is not a valid operator (In, NotIn, Exists, DoesNotExist)` });
      }
      if ((operator === 'In' || operator === 'NotIn') && list.length === 0) {
        out.push({ code: 'selector.values', path: [...at, 'values'], message: `operator ${operator} needs at least one value` });
      }
      if ((operator === 'Exists' || operator === 'DoesNotExist') && list.length > 0) {
        out.push({ code: 'selector.values', path: [...at, 'values'], message: `operator ${operator} takes no values: remove "values"` });
      }
      list.forEach((v, j) => {
        const vp = typeof v === 'string' ? labelValueProblem(v) : 'values must be strings';
        if (vp) out.push({ code: 'selector.label-value', path: [...at, 'values', j], message: vp });
      });
    });
  }
  return out;
}

/** A matcher for `sel`; throws PatternError('selector.invalid') when Kubernetes would refuse it. */
export function compileLabelSelector(sel: LabelSelector): LabelMatcher {
  const problems = labelSelectorProblems(sel);
  if (problems.length > 0) throw new PatternError('selector.invalid', problems.map((p) => p.message).join('; '));
  return (labels) => labelsMatch(labels, sel);
}

/** True when `labels` satisfy every term of `selector` (an unknown operator matches nothing). */
export function labelsMatch(labels: Record<string, string> | undefined, selector: LabelSelector): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(have, key) || have[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(have, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!present || !values.includes(have[req.key])) return false;
        break;
      case 'NotIn':
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
 * The selector in the API server's string form ("a=b,c in (x,y),!d") for pushing the filter to
 * the server; undefined for an empty selector.
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
