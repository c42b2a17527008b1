// Velero's include/exclude lists (pkg/util/collections/includes_excludes.go): the rules that
// decide which lists are valid, shared by `cairn validate` (file:line) and the engine (which
// refuses to run a backup on a list Velero would refuse).
//   ValidateIncludesExcludes: '*' in an include list only on its own; never '*' in an exclude
//   list; no entry both included and excluded.
//   ValidateNamespaceIncludesExcludes, validateNamespaceName and wildcard.ValidateNamespaceName:
//   a namespace pattern is a namespace name (DNS-1123 label) in which '*', '?' and '[...]' may
//   stand for characters; '**', braces, '!', '|', '(', ')' and ',' are refused, and so are
//   unbalanced or empty brackets.
import { globProblem } from './glob.ts';

export type ListKind = 'namespaces' | 'resources';

export interface ListProblem {
  list: 'included' | 'excluded';
  /** Index of the entry at fault, when one entry is. */
  index?: number;
  message: string;
}

/** A Kubernetes name that is a DNS-1123 label (namespaces, and cairn's own object names). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why a namespace include/exclude entry is refused (Velero's validateNamespaceName), or undefined. */
export function namespacePatternProblem(ns: string): string | undefined {
  // Velero reads "" as "no namespace"; cairn has no use for it and refuses it (stricter).
  if (ns === '') return 'empty pattern: remove it, or use "*" to match everything';
  if (/[|()!{},]/.test(ns)) return `invalid namespace pattern "${ns}": |, (, ), !, {, } and , are not supported (Velero refuses them; list the namespaces instead)`;
  if (ns.includes('**')) return `invalid namespace pattern "${ns}": consecutive asterisks are not supported (one * matches any run of characters)`;
  for (let i = 0; i < ns.length; i++) {
    if (ns[i] === '[') {
      const close = ns.indexOf(']', i + 1);
      if (close < 0) return `invalid namespace pattern "${ns}": unclosed '[' at character ${i + 1}`;
      if (close === i + 1) return `invalid namespace pattern "${ns}": empty bracket pattern '[]' at character ${i + 1}`;
      i = close;
    } else if (ns[i] === ']' ) return `invalid namespace pattern "${ns}": unmatched ']' at character ${i + 1}`;
  }
  const name = ns.replace(/[*?[\]]/g, 'x');
  if (name.length > 63 || !DNS_LABEL.test(name)) {
    return `invalid namespace "${ns}": a namespace is a DNS-1123 label (lowercase letters, digits and '-', at most 63, starting and ending alphanumeric), with *, ? and [...] as wildcards`;
  }
  return globProblem(ns);
}

/** Velero's ValidateIncludesExcludes, plus the syntax of each entry. */
export function includeExcludeProblems(kind: ListKind, includes: readonly string[] = [], excludes: readonly string[] = []): ListProblem[] {
  const out: ListProblem[] = [];
  const star = includes.indexOf('*');
  if (star >= 0 && new Set(includes).size > 1) {
    out.push({ list: 'included', index: star, message: `"*" includes every ${kind === 'namespaces' ? 'namespace' : 'resource'}: it must be the only entry (remove "*" or the other entries)` });
  }
  excludes.forEach((e, i) => {
    if (e === '*') out.push({ list: 'excluded', index: i, message: `"*" cannot be excluded: it would leave nothing to back up (list what to exclude instead)` });
    else if (includes.includes(e)) out.push({ list: 'excluded', index: i, message: `"${e}" is both included and excluded: keep it in one list` });
  });
  const check = (list: 'included' | 'excluded', entries: readonly string[]) =>
    entries.forEach((e, i) => {
      if (e === '*') return;
      const problem = kind === 'namespaces' ? namespacePatternProblem(e) : resourcePatternProblem(e);
      if (problem) out.push({ list, index: i, message: problem });
    });
  check('included', includes);
  check('excluded', excludes);
  return out;
}

function resourcePatternProblem(e: string): string | undefined {
  if (e === '') return 'empty pattern: remove it, or use "*" to match everything';
  if (/\s/.test(e)) return `"${e}" contains whitespace`;
  return globProblem(e);
}
