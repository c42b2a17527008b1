// The location marker: a small object cairn writes at a location's root with its first backup.
// An unmounted NFS share looks like an empty directory, and an empty listing would read as "no
// backups" (first backups again, nothing to keep). With the marker, "empty" can be told from
// "not the storage we wrote to": a location without its marker while Git status records
// backups there is Blocked (engine/observe.ts), never read as empty.
import type { ObjectStore } from './object-store.ts';
import { layout } from './layout.ts';

export interface LocationMarker {
  formatVersion: 1;
  /** The BackupLocation that first wrote here. */
  location: string;
  createdAt: string;
}

export async function hasMarker(store: ObjectStore): Promise<boolean> {
  return (await store.stat(layout.marker())) !== undefined;
}

/** Writes the marker unless it exists (atomic create; a race with another writer is harmless). */
export async function ensureMarker(store: ObjectStore, location: string, now: Date = new Date()): Promise<void> {
  if (await hasMarker(store)) return;
  const marker: LocationMarker = { formatVersion: 1, location, createdAt: now.toISOString() };
  await store.putIfAbsent(layout.marker(), Buffer.from(`${JSON.stringify(marker, null, 2)}\n`));
}
