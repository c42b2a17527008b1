// JSON pointers (RFC 6901) and the `test` operation with the semantics of
// github.com/evanphx/json-patch, which Velero uses for both `test` patches and `matches`:
//   - a missing parent (or a parent that is not an object/array) is "missing" — for `matches`
//     that is simply no match, for a `test` patch it is an error of the rule;
//   - a missing key in an existing object reads as null: testing for null passes, anything
//     else fails;
//   - an out-of-range index in an existing array is an error, not a failure;
//   - values compare as JSON (deep equality, 1 equals 1.0).
import { ModifierError } from './errors.ts';

export function parsePointer(path: string, where: string): string[] {
  if (!path.startsWith('/')) throw new ModifierError('modifiers.json-patch', `${where}: path ${JSON.stringify(path)} must be a JSON pointer starting with /`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export type TestOutcome = 'pass' | 'fail' | 'missing';

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === 'object' && v !== null;
}

function arrayIndex(token: string, length: number): number | undefined {
  if (!/^-?\d+$/.test(token)) return undefined;
  let i = Number(token);
  if (i < 0) i += length; // json-patch v5 accepts negative indexes
  return i >= 0 && i < length ? i : undefined;
}

export function testPointer(doc: unknown, tokens: string[], expected: unknown, path: string): TestOutcome {
  let cur: unknown = doc;
  for (const tok of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = arrayIndex(tok, cur.length);
      cur = i === undefined ? undefined : cur[i];
    } else if (isContainer(cur)) {
      cur = Object.hasOwn(cur, tok) ? (cur as Record<string, unknown>)[tok] : undefined;
    } else return 'missing';
    if (!isContainer(cur)) return 'missing';
  }
  const last = tokens[tokens.length - 1];
  let actual: unknown;
  if (Array.isArray(cur)) {
    const i = arrayIndex(last, cur.length);
    if (i === undefined) throw new ModifierError('modifiers.json-patch', `test ${path}: index ${JSON.stringify(last)} is out of range for an array of ${cur.length}`);
    actual = cur[i];
  } else if (isContainer(cur)) {
    actual = Object.hasOwn(cur, last) ? (cur as Record<string, unknown>)[last] : undefined;
  } else return 'missing';
  if (actual === undefined || actual === null) return expected === null ? 'pass' : 'fail';
  if (expected === null) return 'fail';
  return jsonEqual(actual, expected) ? 'pass' : 'fail';
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
