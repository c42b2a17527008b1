// Unreadable is not absent (issue 18.4): an expiry mark or a lock that storage lists but cannot
// read reaches the plan as an error with its code, never as "no mark" or "no lock".
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computePlan } from '../../src/plan/index.ts';
import { listInventory } from '../../src/storage/inventory.ts';
import { FilesystemObjectStore } from '../../src/storage/fs-store.ts';
import { backup, HOUR, inventory, NOW, policy, repo, series } from './fixtures.ts';

describe('an unreadable expiry mark', () => {
  it('blocks the expiry and the delete of that backup, naming the error', () => {
    const [newest, old] = series('kcm', '2026-11-21T15:00:00Z', HOUR, 2);
    const plan = computePlan({
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 1 })] }),
      revision: 'abc123',
      inventories: { primary: inventory([newest, { ...old, expiryError: 'storage.read: unexpected end of JSON input' }]) },
      now: NOW,
      options: { maxDeletionsPerTick: 100 },
    });
    expect(plan.actions.filter((a) => a.type !== 'backup')).toEqual([]);
    expect(plan.blocked).toEqual([expect.objectContaining({ code: 'expiry-unreadable', message: expect.stringContaining('storage.read: unexpected end of JSON input') })]);
  });

  it('is listed as an error by the inventory, not as a backup without a mark', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cairn-unreadable-'));
    const store = new FilesystemObjectStore(root);
    const b = backup('kcm', { slot: '2026-11-21T14:00:00Z' });
    await store.put(`backups/${b.name}/manifest.json`, Buffer.from(JSON.stringify(b.manifest)));
    await store.put(`backups/${b.name}/expiry.json`, Buffer.from('{"deleteAfter": "2026-11-2'));
    await store.put('locks/kcm.json', Buffer.from('not json'));
    const inv = await listInventory(store, 'primary');
    expect(inv.backups[0].expiry).toBeUndefined();
    expect(inv.backups[0].expiryError).toMatch(/^storage\.|^internal:/);
    expect(inv.lockErrors).toEqual([{ key: 'locks/kcm.json', error: expect.any(String) }]);
  });
});
