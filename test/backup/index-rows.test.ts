// index.json.gz as backup/index-rows.ts builds it, row by row in batches: the JSON array of
// every row, whichever batch a row fell in.
import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { buffer } from 'node:stream/consumers';
import { IndexRows } from '../../src/backup/index-rows.ts';
import type { IndexEntry } from '../../src/storage/types.ts';

const base: IndexEntry = { groupResource: 'configmaps', namespace: 'ns', name: 'cm', path: 'resources/configmaps/namespaces/ns/cm.json', sha256: 'ab'.repeat(32), size: 12, apiVersion: 'v1', kind: 'ConfigMap' };

describe('IndexRows', () => {
  it('streams the gzipped JSON array of every row, across batches', async () => {
    const rows = new IndexRows();
    const entries = Array.from({ length: 3000 }, (_, i) => ({ ...base, name: `cm-${i}`, size: i }));
    const gz = buffer(rows.stream);
    for (const e of entries) rows.add(e);
    expect(rows.count).toBe(3000);
    rows.finish();
    expect(JSON.parse(gunzipSync(await gz).toString('utf8'))).toEqual(entries);
  });

  it('takes a row longer than a batch, between ordinary ones', async () => {
    const rows = new IndexRows();
    const huge = 'ü"\u0001'.repeat(40_000); // 120,000 UTF-16 units, each escaped or two bytes: over the 256 KiB batch
    const entries = [base, { ...base, name: huge, path: `resources/configmaps/namespaces/ns/${huge}.json` }, { ...base, name: 'after' }];
    const gz = buffer(rows.stream);
    for (const e of entries) rows.add(e);
    rows.finish();
    expect(JSON.parse(gunzipSync(await gz).toString('utf8'))).toEqual(entries);
  });

  it('is an empty array with no rows', async () => {
    const rows = new IndexRows();
    const gz = buffer(rows.stream);
    rows.finish();
    expect(gunzipSync(await gz).toString('utf8')).toBe('[]');
  });
});

/** The bytes IndexRows writes for one row, inside the array's brackets. */
async function rowJson(e: IndexEntry): Promise<string> {
  const rows = new IndexRows();
  const gz = buffer(rows.stream);
  rows.add(e);
  rows.finish();
  const text = gunzipSync(await gz).toString('utf8');
  expect(text.startsWith('[') && text.endsWith(']')).toBe(true);
  return text.slice(1, -1);
}

describe('IndexRows rows', () => {
  it('writes the bytes JSON.stringify writes, for plain names and for names that need escaping', async () => {
    const odd = ['cm', 'a"b', 'back\\slash', 'tab\there', 'nl\n', 'ctl\u0001', 'ünïcode-名前', 'lone\ud800surrogate', 'pair\ud83d\ude00', '', 'sys:auth/x'];
    for (const name of odd) {
      for (const e of [
        { ...base, name, path: `resources/configmaps/namespaces/ns/${name}.json` },
        { groupResource: 'clusterroles.rbac.authorization.k8s.io', name, path: `resources/x/cluster/${name}.json`, sha256: 'cd'.repeat(32), size: 0 },
        { groupResource: 'widgets.example.com', namespace: name, name, path: 'p', sha256: 'ef'.repeat(32), size: 2 ** 40, kind: 'Widget' },
        { groupResource: 'x', name, path: '~ !#$%&\'()*+,-./09:;<=>?@AZ[]^_`az{|}', sha256: '', size: 9, apiVersion: '\u007f' },
        { groupResource: 'x', name, path: 'p', sha256: '', size: 10 },
        { groupResource: 'x', name, path: 'p', sha256: '', size: 1.5 },
        { groupResource: 'x', name, path: 'p', sha256: '', size: 2 ** 53 },
      ] as IndexEntry[]) {
        expect(await rowJson(e)).toBe(JSON.stringify(e));
      }
    }
  });
});
