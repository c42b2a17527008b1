// metav1.LabelSelector semantics (LabelSelectorAsSelector + Matches): all matchLabels and all
// matchExpressions must hold; an empty selector matches everything. NotIn and DoesNotExist
// match objects without the key. Invalid selectors are errors, as in Kubernetes.
import type { LabelSelector } from '../api/types.ts';
import { ModifierError } from './errors.ts';

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (slash >= 0 && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
    throw new ModifierError('modifiers.selector', `label key ${JSON.stringify(key)}: prefix must be a DNS subdomain`);
  if (name.length === 0 || name.length > 63 || !NAME.test(name))
    throw new ModifierError('modifiers.selector', `label key ${JSON.stringify(key)}: name must be 1-63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`);
}

function checkValue(key: string, value: unknown): string {
  if (typeof value !== 'string' || (value !== '' && (value.length > 63 || !NAME.test(value))))
    throw new ModifierError('modifiers.selector', `label ${key}: value ${JSON.stringify(value)} must be empty or 1-63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`);
  return value;
}

export function compileLabelSelector(sel: LabelSelector): LabelMatcher {
  const tests: LabelMatcher[] = [];
  for (const [key, raw] of Object.entries(sel.matchLabels ?? {})) {
    checkKey(key);
    const value = checkValue(key, raw);
    tests.push((l) => l !== undefined && Object.hasOwn(l, key) && l[key] === value);
  }
  for (const req of sel.matchExpressions ?? []) {
    checkKey(req.key);
    const values = (req.values ?? []).map((v) => checkValue(req.key, v));
    const key = req.key;
    switch (req.operator) {
      case 'In':
      case 'NotIn': {
        if (values.length === 0) throw new ModifierError('modifiers.selector', `matchExpressions ${key} ${req.operator}: values must be non-empty`);
        const set = new Set(values);
        const has = (l: Record<string, string> | undefined) => l !== undefined && Object.hasOwn(l, key) && set.has(l[key]);
        tests.push(req.operator === 'In' ? has : (l) => !has(l));
        break;
      }
      case 'Exists':
      case 'DoesNotExist': {
        if (values.length > 0) throw new ModifierError('modifiers.selector', `matchExpressions ${key} ${req.operator}: values must be empty`);
        const exists = (l: Record<string, string> | undefined) => l !== undefined && Object.hasOwn(l, key);
        tests.push(req.operator === 'Exists' ? exists : (l) => !exists(l));
        break;
      }
      default:
        throw new ModifierError('modifiers.selector', `matchExpressions ${key}: ${JSON.stringify(req.operator)} is not a valid operator (In, NotIn, Exists, DoesNotExist)`);
    }
  }
  return (labels) => tests.every((t) => t(labels));
}
