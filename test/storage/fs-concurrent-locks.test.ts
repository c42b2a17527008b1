// Found by the HA tests (two shards' engines on one filesystem location): a lock created while
// another engine's lock release prunes the then-empty locks/ directory failed with ENOENT from
// mkdir. Several engines taking and releasing locks at once must all succeed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { FilesystemObjectStore } from '../../src/storage/fs-store.ts';

const root = mkdtempSync(join(tmpdir(), 'cairn-fs-locks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('creates and deletes objects in one directory from concurrent writers without ENOENT', async () => {
  const store = new FilesystemObjectStore(root);
  const failures: string[] = [];
  const writer = async (name: string) => {
    for (let i = 0; i < 200; i++) {
      try {
        expect(await store.putIfAbsent(`locks/${name}.json`, Buffer.from(name))).toBe(true);
        await store.delete(`locks/${name}.json`);
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  await Promise.all(['a', 'b', 'c', 'd'].map(writer));
  expect(failures).toEqual([]);
});
