// Shell-style globs as Velero uses them for namespaces and group-resources:
// `*` any run of characters (dots included, so "*.x-k8s.io" matches "clusters.cluster.x-k8s.io"),
// `?` one character, `[abc]`, `[a-z]`, `[!abc]` / `[^abc]` one character of (not of) a set.
// Compiled patterns are cached: selection runs once per listed object.

const cache = new Map<string, RegExp>();

export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

export function globMatch(pattern: string, value: string): boolean {
  let re = cache.get(pattern);
  if (!re) {
    re = compile(pattern);
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re.test(value);
}

function compile(pattern: string): RegExp {
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') src += '.*';
    else if (c === '?') src += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        src += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body[0] === '!' || body[0] === '^';
      if (negate) body = body.slice(1);
      src += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else src += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${src}$`, 's');
}
