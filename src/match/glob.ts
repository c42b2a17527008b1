// Globs, with the semantics of github.com/gobwas/glob, which Velero uses everywhere it takes one
// (pkg/util/collections/includes_excludes.go for namespaces and resources; resource modifier
// conditions). One engine for every caller: backup and restore selection, modifier conditions,
// validation.
//   *       any run of characters except the separators
//   **      any run of characters, separators included
//   ?       one character that is not a separator
//   [abc] [a-z] [!abc] [!a-z]   one character in / not in the class
//   {a,b}   any of the alternatives (each itself a glob)
//   \x      the character x literally
// Separators: none for namespace and resource lists (so `*` matches "deployments.apps"); '.' for
// a modifier's groupResource (Velero compiles it with glob.Compile(p, '.'): `*` matches core
// resources only, `*.apps` the apps group). The translation runs on RE2 (re2js): linear time,
// whatever the pattern, so a glob can never stall the engine.
import { RE2JS } from 're2js';
import { PatternError } from './errors.ts';

export type GlobMatcher = (s: string) => boolean;

const META = /[*?[{\\]/;
const cache = new Map<string, GlobMatcher>();

/** True when `pattern` has glob syntax (is not a plain name). */
export function isGlob(pattern: string): boolean {
  return META.test(pattern);
}

/** Compiles a glob; throws PatternError('glob.invalid') on bad syntax (as gobwas' Compile errs). */
export function compileGlob(pattern: string, separators = ''): GlobMatcher {
  const key = `${separators}\u0000${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let matcher: GlobMatcher;
  if (!isGlob(pattern)) matcher = (s) => s === pattern; // the common literal case
  else {
    const notSep = separators ? `[^${[...separators].map(quoteChar).join('')}]` : '(?s:.)';
    const re = RE2JS.compile(`^(?:${translate(pattern, notSep)})$`, RE2JS.DOTALL);
    matcher = (s) => re.matches(s);
  }
  if (cache.size >= 2000) cache.clear();
  cache.set(key, matcher);
  return matcher;
}

/** Whether `value` matches `pattern`; a pattern that does not compile matches nothing (Velero's globStringSet). */
export function globMatch(pattern: string, value: string, separators = ''): boolean {
  try {
    return compileGlob(pattern, separators)(value);
  } catch {
    return false;
  }
}

/** Why `pattern` is not a glob gobwas compiles; undefined when it is. */
export function globProblem(pattern: string): string | undefined {
  try {
    compileGlob(pattern);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function quoteChar(ch: string): string {
  return /[\\^$.*+?()[\]{}|-]/.test(ch) ? `\\${ch}` : ch;
}

function translate(p: string, notSep: string): string {
  let out = '';
  let i = 0;
  const fail = (why: string): never => {
    throw new PatternError('glob.invalid', `bad glob pattern ${JSON.stringify(p)}: ${why}`);
  };
  while (i < p.length) {
    const c = p[i];
    if (c === '\\') {
      if (i + 1 >= p.length) fail('trailing backslash');
      out += quoteChar(p[i + 1]);
      i += 2;
    } else if (c === '*') {
      if (p[i + 1] === '*') {
        out += '(?s:.)*';
        while (p[i] === '*') i++;
      } else {
        out += `${notSep}*`;
        i += 1;
      }
    } else if (c === '?') {
      out += notSep;
      i += 1;
    } else if (c === '[') {
      const end = p.indexOf(']', i + 1);
      if (end < 0) fail(`unclosed '[' at character ${i + 1}`);
      let body = p.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      if (body === '') fail(`empty character class at character ${i + 1}`);
      let cls = '';
      for (let k = 0; k < body.length; k++) {
        if (body[k + 1] === '-' && k + 2 < body.length) {
          if (body[k] > body[k + 2]) fail(`reversed range ${body[k]}-${body[k + 2]} in a character class`);
          cls += `${quoteChar(body[k])}-${quoteChar(body[k + 2])}`;
          k += 2;
        } else cls += quoteChar(body[k]);
      }
      out += `[${negate ? '^' : ''}${cls}]`;
      i = end + 1;
    } else if (c === '{') {
      // alternatives split at top-level commas, nested braces and escapes respected
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
      if (j >= p.length) fail(`unclosed '{' at character ${i + 1}`);
      alts.push(p.slice(start, j));
      out += `(?:${alts.map((a) => translate(a, notSep)).join('|')})`;
      i = j + 1;
    } else {
      out += quoteChar(c);
      i += 1;
    }
  }
  return out;
}
