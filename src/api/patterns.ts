// Syntax checks of the small languages inside fields: globs, regular expressions, Kubernetes
// label selectors, JSON pointers. Each returns a user-facing problem, or undefined when fine.
import { issue, type Issue, type PathSegment } from './errors.ts';

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Globs as cairn matches them: `*` (any run of characters), `?` (one character) and character
 * classes `[abc]`, `[a-z]`, `[!a-z]` / `[^a-z]`. No escapes, no braces.
 */
export function globProblem(pattern: string): string | undefined {
  if (pattern === '') return 'empty pattern: remove it, or use "*" to match everything';
  if (/\s/.test(pattern)) return `"${pattern}" contains whitespace`;
  if (pattern.includes('\\')) return `"${pattern}": '\\' escapes are not supported in globs (use a character class, e.g. "[*]")`;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === ']') return `"${pattern}": unbalanced ']' at character ${i + 1}`;
    if (c !== '[') continue;
    const close = pattern.indexOf(']', i + 1);
    if (close < 0) return `"${pattern}": unbalanced '[' at character ${i + 1}: close the character class with ']'`;
    let body = pattern.slice(i + 1, close);
    if (body.startsWith('!') || body.startsWith('^')) body = body.slice(1);
    if (body === '') return `"${pattern}": empty character class at character ${i + 1}`;
    if (body.includes('[')) return `"${pattern}": '[' inside a character class at character ${i + 1}`;
    for (let k = 1; k < body.length - 1; k++) {
      if (body[k] === '-' && body[k - 1] > body[k + 1]) return `"${pattern}": reversed range "${body.slice(k - 1, k + 2)}" in a character class`;
    }
    i = close;
  }
  return undefined;
}

export function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (e) {
    return `invalid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
}

export function checkGlobList(value: unknown, path: PathSegment[]): Issue[] {
  if (!Array.isArray(value)) return [];
  const out: Issue[] = [];
  value.forEach((p, i) => {
    if (typeof p !== 'string') return;
    const problem = globProblem(p);
    if (problem) out.push(issue('glob.invalid', [...path, i], problem));
  });
  return out;
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

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

export function checkLabelSelector(sel: unknown, path: PathSegment[]): Issue[] {
  if (!sel || typeof sel !== 'object' || Array.isArray(sel)) return [];
  const out: Issue[] = [];
  const { matchLabels, matchExpressions } = sel as { matchLabels?: unknown; matchExpressions?: unknown };
  if (matchLabels && typeof matchLabels === 'object' && !Array.isArray(matchLabels)) {
    for (const [k, v] of Object.entries(matchLabels)) {
      const kp = labelKeyProblem(k);
      if (kp) out.push(issue('selector.label-key', [...path, 'matchLabels', k], kp, 'key'));
      if (typeof v === 'string') {
        const vp = labelValueProblem(v);
        if (vp) out.push(issue('selector.label-value', [...path, 'matchLabels', k], vp));
      }
    }
  }
  if (Array.isArray(matchExpressions)) {
    matchExpressions.forEach((req: unknown, i) => {
      if (!req || typeof req !== 'object') return;
      const { key, operator, values } = req as { key?: unknown; operator?: unknown; values?: unknown };
      const at = [...path, 'matchExpressions', i];
      if (typeof key === 'string' && key !== '') {
        const kp = labelKeyProblem(key);
        if (kp) out.push(issue('selector.label-key', [...at, 'key'], kp));
      }
      const n = Array.isArray(values) ? values.length : 0;
      if ((operator === 'In' || operator === 'NotIn') && n === 0) {
        out.push(issue('selector.values', [...at, 'values'], `operator ${operator} needs at least one value`));
      }
      if ((operator === 'Exists' || operator === 'DoesNotExist') && n > 0) {
        out.push(issue('selector.values', [...at, 'values'], `operator ${operator} takes no values: remove "values"`));
      }
    });
  }
  return out;
}

/** A JSON pointer (RFC 6901) as Velero's patches and matches use: "" is not allowed here. */
export function pointerProblem(p: string): string | undefined {
  if (p === '') return 'must not be empty: give a JSON pointer such as /spec/replicas';
  if (!p.startsWith('/')) return `"${p}" is not a JSON pointer: it must start with '/', e.g. /spec/replicas`;
  if (/~(?![01])/.test(p)) return `"${p}": '~' must be escaped as ~0 (and '/' inside a key as ~1)`;
  return undefined;
}
