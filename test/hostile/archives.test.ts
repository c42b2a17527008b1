// Hostile archives (issue 16, Low): traversal names, symlink and hardlink entries and huge
// entries. verify must fail them and restore must refuse them before touching the cluster.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { CM, cm, ns, startHarness, type Harness } from '../restore/harness.ts';
import { manifestInput, writeIndex } from '../storage/fixtures.ts';
import type { IndexEntry } from '../../src/storage/index.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Entry = { name: string; type?: 'file' | 'symlink' | 'link'; linkname?: string; body?: Buffer };

/** A tar.gz of the entries and an index listing each of them as an item (sha256 of its body). */
async function hostileArchive(entries: Entry[]): Promise<{ archive: Buffer; index: IndexEntry[] }> {
  const pack = tar.pack();
  const index: IndexEntry[] = [];
  for (const e of entries) {
    const body = e.body ?? Buffer.alloc(0);
    if (e.type && e.type !== 'file') pack.entry({ name: e.name, type: e.type, linkname: e.linkname });
    else pack.entry({ name: e.name }, body);
    index.push({ groupResource: 'configmaps', namespace: 'team-a', name: 'x', path: e.name, sha256: createHash('sha256').update(body).digest('hex'), size: body.length });
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return { archive: gzipSync(Buffer.concat(chunks)), index };
}

async function storeBackup(harness: Harness, name: string, entries: Entry[]): Promise<void> {
  const { archive, index } = await hostileArchive(entries);
  const w = harness.store.beginBackup(name);
  await w.writeResources(Readable.from([archive]));
  await writeIndex(w, index);
  await w.writeLog([]);
  await w.commit({ ...manifestInput(name, 'apps', harness.store.name) });
}

const evilCm = (name: string) => Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'team-a' }, data: { evil: 'yes' } }));

describe('traversal, symlink and hardlink entries', () => {
  const cases: [string, Entry[], RegExp][] = [
    ['a ".." segment', [{ name: 'resources/configmaps/namespaces/team-a/../../../../etc/evil.json', body: evilCm('evil') }], /"\.\." path segment/],
    ['a "." segment', [{ name: 'resources/configmaps/namespaces/./team-a/evil.json', body: evilCm('evil') }], /"\.\." path segment/],
    ['an absolute name', [{ name: '/resources/configmaps/namespaces/team-a/evil.json', body: evilCm('evil') }], /not a relative item path|path segment/],
    ['a symlink', [{ name: 'resources/configmaps/namespaces/team-a/evil.json', type: 'symlink', linkname: '/etc/passwd' }], /symlink entry/],
    ['a hardlink', [{ name: 'resources/configmaps/namespaces/team-a/evil.json', type: 'link', linkname: '/etc/passwd' }], /link entry/],
  ];
  for (const [what, entries, message] of cases) {
    it(`an archive entry with ${what} fails verify and is refused by restore`, async () => {
      h = await startHarness({ objects: [ns('team-a'), cm('team-a', 'settings', { a: '1' })] });
      await storeBackup(h, 'apps-evil', entries);
      const v = await h.store.verify('apps-evil');
      expect(v.ok).toBe(false);
      expect(v.problems.map((p) => p.message).join('\n')).toMatch(message);
      h.sim.resetStats();
      const result = await h.restore('r', { backupName: 'apps-evil' });
      expect(result.phase).toBe('FailedValidation');
      expect(result.errors.join('\n')).toMatch(message);
      expect(h.sim.stats.writes).toBe(0);
      expect(await h.get(CM, 'team-a', 'evil')).toBeUndefined();
    });
  }
});

describe('huge entries', () => {
  it('an item far larger than any Kubernetes object is refused without being held whole', async () => {
    h = await startHarness({ objects: [ns('team-a')] });
    const huge = Buffer.alloc(65 * 1024 * 1024, 0x20); // 65 MiB of spaces: gzips to almost nothing
    await storeBackup(h, 'apps-huge', [{ name: 'resources/configmaps/namespaces/team-a/huge.json', body: huge }]);
    h.sim.resetStats();
    const result = await h.restore('r', { backupName: 'apps-huge' });
    expect(result.phase).toBe('FailedValidation');
    expect(result.errors.join('\n')).toMatch(/larger than 67108864 bytes/);
    expect(h.sim.stats.writes).toBe(0);
  });
});
