// Glob matching with the semantics of github.com/gobwas/glob, which Velero uses:
//   *       any run of characters except the separators
//   **      any run of characters, separators included
//   ?       one character that is not a separator
//   [abc] [a-z] [!abc] [!a-z]   one character in / not in the class
//   {a,b}   any of the alternatives (each itself a glob)
//   \x      the character x literally
// Velero compiles groupResource globs with '.' as separator — so `*` matches core resources
// only ("configmaps"), `*.apps` every resource of the apps group, and `*.*` resources of
// single-label groups ("deployments.apps", not "ingresses.networking.k8s.io"); `**` matches
// all. Namespace globs have no separator, so `*` matches any namespace.
import { ModifierError } from './errors.ts';

export type GlobMatcher = (s: string) => boolean;

function escapeRegex(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}

/** Compiles a glob to a matcher; throws ModifierError('modifiers.glob') on bad syntax. */
export function compileGlob(pattern: string, separators = ''): GlobMatcher {
  if (!/[*?[{\\]/.test(pattern)) return (s) => s === pattern; // the common literal case
  const notSep = separators ? `[^${[...separators].map(escapeRegex).join('')}]` : '[\\s\\S]';
  const source = `^${translate(pattern, notSep)}$`;
  const re = new RegExp(source);
  return (s) => re.test(s);
}

function translate(p: string, notSep: string): string {
  let out = '';
  let i = 0;
  const fail = (why: string): never => {
    throw new ModifierError('modifiers.glob', `bad glob pattern ${JSON.stringify(p)}: ${why}`);
  };
  while (i < p.length) {
    const c = p[i];
    if (c === '\\') {
      if (i + 1 >= p.length) fail('trailing backslash');
      out += escapeRegex(p[i + 1]);
      i += 2;
    } else if (c === '*') {
      if (p[i + 1] === '*') {
        out += '[\\s\\S]*';
        i += 2;
      } else {
        out += `${notSep}*`;
        i += 1;
      }
    } else if (c === '?') {
      out += notSep;
      i += 1;
    } else if (c === '[') {
      const end = p.indexOf(']', i + 1);
      if (end < 0) fail('unclosed [');
      let body = p.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      if (body === '') fail('empty character class');
      let cls = '';
      for (let k = 0; k < body.length; k++) {
        if (body[k + 1] === '-' && k + 2 < body.length) {
          if (body[k] > body[k + 2]) fail(`bad range ${body[k]}-${body[k + 2]}`);
          cls += `${escapeRegex(body[k])}-${escapeRegex(body[k + 2])}`;
          k += 2;
        } else cls += escapeRegex(body[k]);
      }
      out += `[${negate ? '^' : ''}${cls}]`;
      i = end + 1;
    } else if (c === '{') {
      // split the alternatives at top-level commas, respecting nested braces and escapes
      let depth = 0;
      let j = i + 1;
      const alts: string[] = [];
      let start = j;
      for (; j < p.length; j++) {
        if (p[j] === '\\') j++;
        else if (p[j] === '{') depth++;
        else if (p[j] === '}') {
          if (depth === 0) break;
          depth--;
        } else if (p[j] === ',' && depth === 0) {
          alts.push(p.slice(start, j));
          start = j + 1;
        }
      }
      if (j >= p.length) fail('unclosed {');
      alts.push(p.slice(start, j));
      out += `(?:${alts.map((a) => translate(a, notSep)).join('|')})`;
      i = j + 1;
    } else {
      out += escapeRegex(c);
      i += 1;
    }
  }
  return out;
}
