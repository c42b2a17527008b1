// Syntax checks of the small languages inside fields, as api Issues with paths: include/exclude
// lists, globs, regular expressions, label selectors, JSON pointers. The rules themselves live in
// src/match/ (one home for every caller); this module only places their problems in a document.
import { issue, type Issue, type PathSegment } from './errors.ts';
import { globProblem } from '../match/glob.ts';
import { includeExcludeProblems, type ListKind } from '../match/include-exclude.ts';
export { DNS_LABEL } from '../match/include-exclude.ts';
import { labelSelectorProblems } from '../match/label-selector.ts';

export { regexProblem } from '../match/regex.ts';
export { globProblem };

/** A list of globs (modifier condition namespaces): each must compile. */
export function checkGlobList(value: unknown, path: PathSegment[]): Issue[] {
  if (!Array.isArray(value)) return [];
  const out: Issue[] = [];
  value.forEach((p, i) => {
    if (typeof p !== 'string') return;
    const problem = p === '' ? 'empty pattern: remove it, or use "*" to match everything' : globProblem(p);
    if (problem) out.push(issue('glob.invalid', [...path, i], problem));
  });
  return out;
}

/** A pair of include/exclude lists, with Velero's rules (src/match/include-exclude.ts). */
export function checkIncludeExclude(kind: ListKind, spec: Record<string, unknown>, base: PathSegment[], fields: { included: string; excluded: string }): Issue[] {
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return includeExcludeProblems(kind, strings(spec[fields.included]), strings(spec[fields.excluded])).map((p) => {
    const field = p.list === 'included' ? fields.included : fields.excluded;
    return issue('selection.list', p.index === undefined ? [...base, field] : [...base, field, p.index], p.message);
  });
}

export function checkLabelSelector(sel: unknown, path: PathSegment[]): Issue[] {
  return labelSelectorProblems(sel).map((p) => issue(p.code, [...path, ...p.path], p.message, p.target));
}

/** A JSON pointer (RFC 6901) as Velero's patches and matches use: "" is not allowed here. */
export function pointerProblem(p: string): string | undefined {
  if (p === '') return 'must not be empty: give a JSON pointer such as /spec/replicas';
  if (!p.startsWith('/')) return `"${p}" is not a JSON pointer: it must start with '/', e.g. /spec/replicas`;
  if (/~(?![01])/.test(p)) return `"${p}": '~' must be escaped as ~0 (and '/' inside a key as ~1)`;
  return undefined;
}
