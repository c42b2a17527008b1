// Each invalid input of cases.ts, checked twice: in-process through loadRepository (exact
// errors, the broken objects left out and frozen), and all at once through the real CLI
// (`node bin/cairn.js validate .`), which must report every error of every file in one run.
import { describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/api/loader.ts';
import { formatErrors } from '../../src/api/format.ts';
import { CASES } from './cases.ts';
import { BASE, cairn, writeRepo } from './fixtures.ts';

describe('invalid repositories', () => {
  it('has at least 40 distinct cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const repo = await loadRepository(writeRepo({ ...BASE, ...c.files }));
    expect(formatErrors(repo.errors, 'text').split('\n')).toEqual(c.expect);
    // Every file with an error is held back, and what it defined is frozen, not dropped.
    const failing = new Set(repo.errors.map((e) => e.file));
    const loaded = [...repo.locations, ...repo.clusters, ...repo.policies, ...repo.restores, ...repo.modifiers];
    expect(loaded.filter((o) => failing.has(o.source.file))).toEqual([]);
    expect(new Set(repo.frozen.map((f) => f.file))).toEqual(failing);
  });
});

describe('cairn validate over all independent cases at once', () => {
  const combined = CASES.filter((c) => !c.solo);
  const files = Object.assign({}, BASE, ...combined.map((c) => c.files)) as Record<string, string>;
  const expected = combined.flatMap((c) => c.expect);

  it('exits 1 and reports exactly the errors of every file, sorted by file:line:col', () => {
    const r = cairn(['validate', '.'], writeRepo(files));
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    const summary = lines.pop();
    expect([...lines].sort()).toEqual([...expected].sort());
    const key = (l: string) => {
      const m = /^([^:]+):(\d+):(\d+):/.exec(l)!;
      return [m[1], Number(m[2]), Number(m[3])] as const;
    };
    for (let i = 1; i < lines.length; i++) {
      const [fa, la, ca] = key(lines[i - 1]);
      const [fb, lb, cb] = key(lines[i]);
      expect(fa < fb || (fa === fb && (la < lb || (la === lb && ca <= cb)))).toBe(true);
    }
    const badFiles = new Set(expected.map((l) => key(l)[0])).size;
    // One object per file, except clusters/multi.yaml, which holds two documents.
    const nFiles = Object.keys(files).length;
    expect(summary).toBe(`.: ${expected.length} errors in ${badFiles} files (${nFiles + 1} objects in ${nFiles} files)`);
  });
});
