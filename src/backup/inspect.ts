// The backups a BackupLocation holds, read (and one deleted) for `cairn backup get|describe|logs|
// verify|delete|diff`: the application function behind those commands. It opens the location the
// command chose, asks its store, and returns values; the command only formats them.
import type { BackupLocation } from '../api/types.ts';
import type { Logger } from '../log.ts';
import { describeFormat, openLocation, type BackupStore, type VerifyResult } from '../storage/index.ts';
import type { BackupManifest, ExpiryMark, IndexEntry, Inventory, InventoryBackup } from '../storage/types.ts';

// The shapes the commands format.
export type { BackupManifest, IndexEntry, Inventory, InventoryBackup, VerifyResult };

/** The BackupLocation a command chose, the directory its relative paths resolve against, a logger. */
export interface ChosenLocation {
  location: BackupLocation;
  dataDir: string;
  logger: Logger;
}

/** Opens the chosen location (the same storage adapter the engine opens, engine/connections.ts). */
export function openChosen(at: ChosenLocation): Promise<BackupStore> {
  return openLocation(at.location, { baseDir: at.dataDir, logger: at.logger });
}

export type BackupQuery =
  | { verb: 'get'; name?: string }
  | { verb: 'describe' | 'logs' | 'verify'; name: string }
  /** Deletes only when `confirmed`; otherwise answers `deleted: false` once the backup is known to exist. */
  | { verb: 'delete'; name: string; confirmed: boolean }
  | { verb: 'diff'; name: string; other: string };

export interface IndexDiff {
  added: IndexEntry[];
  removed: IndexEntry[];
  changed: IndexEntry[];
  unchanged: number;
}

export type BackupAnswer = { location: string } & (
  /** A backup the query names is not in the location, which holds `count` backups. */
  | { verb: 'missing'; name: string; count: number }
  | { verb: 'get'; inventory: Inventory; backups: InventoryBackup[] }
  | { verb: 'describe'; manifest: BackupManifest; expiry: ExpiryMark | undefined; format: string }
  | { verb: 'logs'; lines: Record<string, unknown>[] }
  | { verb: 'verify'; result: VerifyResult }
  | { verb: 'delete'; deleted: boolean }
  | { verb: 'diff'; diff: IndexDiff }
);

/** Items added, removed and changed between two backups, by their path in the archive. */
function diffIndexes(a: IndexEntry[], b: IndexEntry[]): IndexDiff {
  const before = new Map(a.map((e) => [e.path, e]));
  const added: IndexEntry[] = [];
  const changed: IndexEntry[] = [];
  let unchanged = 0;
  for (const e of b) {
    const old = before.get(e.path);
    if (!old) added.push(e);
    else if (old.sha256 !== e.sha256) changed.push(e);
    else unchanged += 1;
    before.delete(e.path);
  }
  return { added, removed: [...before.values()], changed, unchanged };
}

export async function inspectBackups(at: ChosenLocation, q: BackupQuery): Promise<BackupAnswer> {
  const store = await openChosen(at);
  const location = store.name;
  const inventory = await store.listInventory();
  const find = (name: string) => inventory.backups.find((b) => b.name === name);
  const named = q.verb === 'diff' ? [q.name, q.other] : q.name === undefined ? [] : [q.name];
  for (const name of named) if (!find(name)) return { location, verb: 'missing', name, count: inventory.backups.length };

  switch (q.verb) {
    case 'get':
      return { location, verb: 'get', inventory, backups: q.name === undefined ? inventory.backups : [find(q.name)!] };
    case 'describe': {
      const manifest = await store.readManifest(q.name);
      return { location, verb: 'describe', manifest, expiry: find(q.name)!.expiry, format: describeFormat(manifest) };
    }
    case 'verify':
      return { location, verb: 'verify', result: await store.verify(q.name) };
    case 'delete':
      if (!q.confirmed) return { location, verb: 'delete', deleted: false };
      if (find(q.name)!.incomplete) await store.deleteIncomplete(q.name);
      else await store.deleteBackup(q.name);
      return { location, verb: 'delete', deleted: true };
    case 'logs':
      return { location, verb: 'logs', lines: (await store.readLog(q.name)) as Record<string, unknown>[] };
    case 'diff':
      return { location, verb: 'diff', diff: diffIndexes(await store.readIndex(q.name), await store.readIndex(q.other)) };
  }
}
