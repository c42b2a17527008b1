// Comparing a live object with the backup's state (both prepared): a field diff for dry runs
// and reports, and the RFC 7386 merge patch that turns the live object into the backup's state.
// Pure.
import type { FieldChange } from './types.ts';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}

/** RFC 6901 escaping of one reference token. */
function token(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Fields that differ from `live` to `desired`, as JSON pointers, sorted by path. Objects are
 * compared key by key; arrays of the same length element by element, arrays of different
 * lengths are one change at the array's path. Scalars carry old → new.
 */
export function fieldDiff(live: unknown, desired: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  walk(live, desired, '', out);
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

function change(path: string, op: FieldChange['op'], oldV: unknown, newV: unknown): FieldChange {
  const c: FieldChange = { path, op };
  if (op !== 'add' && isScalar(oldV)) c.old = oldV;
  if (op !== 'remove' && isScalar(newV)) c.new = newV;
  return c;
}

function walk(a: unknown, b: unknown, path: string, out: FieldChange[]): void {
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const p = `${path}/${token(k)}`;
      const inA = a[k] !== undefined;
      const inB = b[k] !== undefined;
      if (inA && !inB) out.push(change(p, 'remove', a[k], undefined));
      else if (!inA && inB) out.push(change(p, 'add', undefined, b[k]));
      else if (inA && inB) walk(a[k], b[k], p, out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => walk(v, b[i], `${path}/${i}`, out));
    return;
  }
  if (!deepEqual(a, b)) out.push(change(path, 'replace', a, b));
}

/**
 * RFC 7386 merge patch from `live` to `desired`: keys only in live become null, objects
 * recurse, everything else (arrays included) is replaced whole. Undefined when they are equal.
 */
export function createMergePatch(live: Json, desired: Json): Json | undefined {
  const patch: Json = {};
  for (const k of Object.keys(live)) {
    if (live[k] !== undefined && desired[k] === undefined) patch[k] = null;
  }
  for (const [k, v] of Object.entries(desired)) {
    if (v === undefined) continue;
    const cur = live[k];
    if (isObject(cur) && isObject(v)) {
      const sub = createMergePatch(cur, v);
      if (sub) patch[k] = sub;
    } else if (!deepEqual(cur, v)) {
      patch[k] = v;
    }
  }
  return Object.keys(patch).length ? patch : undefined;
}
