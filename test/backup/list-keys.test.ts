// ListKeys: an object listed twice is archived once, whether the list is in key order (the
// last key decides, earlier keys only front-coded) or not (an exact set from then on).
import { describe, expect, it } from 'vitest';
import { ListKeys } from '../../src/backup/list-keys.ts';
import { prng } from '../support/prng.ts';

const name = (i: number) => `config-${String(i).padStart(6, '0')}`;

describe('ListKeys', () => {
  it('takes a list in key order without a set, a few bytes a key', () => {
    const keys = new ListKeys();
    for (let ns = 0; ns < 10; ns++) for (let i = 0; i < 1000; i++) expect(keys.add(`bulk-${ns}`, name(i))).toBe(true);
    expect(keys.unordered).toBe(false);
    expect(keys.codedBytes).toBeLessThan(10_000 * 8);
  });

  it('refuses an object repeated right after itself', () => {
    const keys = new ListKeys();
    expect(keys.add('ns', 'a')).toBe(true);
    expect(keys.add('ns', 'b')).toBe(true);
    expect(keys.add('ns', 'b')).toBe(false);
    expect(keys.unordered).toBe(true);
    expect(keys.add('ns', 'c')).toBe(true);
  });

  it('refuses an object repeated long after, from the keys kept while the list was in order', () => {
    const keys = new ListKeys();
    for (let i = 0; i < 5000; i++) keys.add('ns', name(i));
    expect(keys.add('ns', name(17))).toBe(false);
    expect(keys.add('ns', name(4999))).toBe(false);
    expect(keys.add('ns', name(5000))).toBe(true);
    expect(keys.add('ns', name(5000))).toBe(false);
    expect(keys.add('other', name(17))).toBe(true);
  });

  it('takes a list in any order that repeats nothing', () => {
    const keys = new ListKeys();
    for (const i of [5, 3, 9, 1, 7, 2, 8]) expect(keys.add(undefined, name(i))).toBe(true);
    expect(keys.unordered).toBe(true);
  });

  it('keeps names apart that differ only after a shared prefix, and non-ASCII names', () => {
    const keys = new ListKeys();
    const names = ['a', 'ab', 'abc', 'abd', 'b', 'caf\u00e9', 'caf\u00e9s', '\u4e2d\u6587', '\ud83d\ude00', '\uffff'];
    for (const n of names) expect(keys.add(undefined, n)).toBe(true);
    for (const n of names) expect(keys.add(undefined, n)).toBe(false);
    expect(keys.add(undefined, 'abe')).toBe(true);
  });

  it('agrees with a set on seeded random lists: sorted runs, shuffled stretches, repeats', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rand = prng(seed);
      const alphabet = ['a', 'b', '-', '0', '9', '\u00e9', '\u4e2d', '\ud83d', '\ude00', '\u3fff', '\u4000'];
      const pool = Array.from({ length: 40 }, () => Array.from({ length: 1 + Math.floor(rand() * 6) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join(''));
      const sorted = [...new Set(pool)].sort();
      const seq: string[] = [];
      const mode = seed % 3; // 0: sorted then repeats, 1: shuffled, 2: sorted with one repeat
      if (mode === 1) for (let i = 0; i < 60; i++) seq.push(pool[Math.floor(rand() * pool.length)]);
      else {
        seq.push(...sorted);
        const repeats = mode === 0 ? 1 + Math.floor(rand() * 10) : 1;
        for (let i = 0; i < repeats; i++) seq.splice(Math.floor(rand() * (seq.length + 1)), 0, sorted[Math.floor(rand() * sorted.length)]);
      }
      const keys = new ListKeys();
      const seen = new Set<string>();
      for (const k of seq) {
        const ns = k.length % 2 ? 'ns' : undefined;
        const id = ns ? `${ns}/${k}` : k;
        expect(keys.add(ns, k), `seed ${seed}, key ${JSON.stringify(id)}`).toBe(!seen.has(id));
        seen.add(id);
      }
    }
  });
});
