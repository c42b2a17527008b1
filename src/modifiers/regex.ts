// resourceNameRegex is compiled by Velero with Go's regexp (RE2) and used unanchored
// (regexp.MatchString). JavaScript's RegExp agrees on the common syntax; the differences are
// handled here:
//   - Go's inline flags at the start, (?i) (?s) (?m) (?U is refused), become RegExp flags;
//   - (?P<name>…) becomes (?<name>…); \A becomes ^ and \z becomes $ (no m flag);
//   - \pL / \p{Greek} need the u flag, which is then set;
//   - RE2 has no look-around and no back-references: Velero fails such a regex, so do we.
import { ModifierError } from './errors.ts';

export function compileGoRegexp(source: string): RegExp {
  const fail = (why: string): never => {
    throw new ModifierError('modifiers.regex', `resourceNameRegex ${JSON.stringify(source)} is not a valid Go regexp: ${why}`);
  };
  let src = source;
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1].includes('U')) fail('the U (ungreedy) flag has no JavaScript equivalent');
    flags = [...new Set(lead[1])].join('');
    src = src.slice(lead[0].length);
  }
  if (/\(\?<?[=!]/.test(src)) fail('look-around assertions are not supported by RE2');
  if (/(^|[^\\])(\\\\)*\\[1-9]/.test(src)) fail('back-references are not supported by RE2');
  if (/\(\?[imsU-]+[):]/.test(src)) fail('inline flags are only supported at the start of the pattern here');
  src = src.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$');
  if (/\\[pP]/.test(src)) {
    flags += 'u';
    src = src.replace(/\\([pP])([A-Za-z])/g, '\\$1{$2}');
  }
  try {
    return new RegExp(src, flags);
  } catch (err) {
    return fail((err as Error).message);
  }
}
