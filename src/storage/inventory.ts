// Listing a location's inventory: one paged listing per folder, then manifests and expiry
// marks read with bounded concurrency. Never needs the encryption key.
import pLimit from 'p-limit';
import type { ObjectStore } from './object-store.ts';
import type { BackupManifest, ExpiryMark, Inventory, InventoryBackup, LockInfo } from './types.ts';
import { ARTIFACTS, BACKUPS_DIR, LOCKS_DIR, RESTORES_DIR, layout } from './layout.ts';
import { readJson } from './json-io.ts';
import { NotFoundError } from './errors.ts';
import { hasMarker } from './marker.ts';

export const INVENTORY_READ_CONCURRENCY = 32;

/** Reads a JSON object, undefined when it vanished between listing and reading. */
async function readOptional<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  try {
    return await readJson<T>(store, key);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

export async function listInventory(store: ObjectStore, location: string): Promise<Inventory> {
  const listedAt = new Date().toISOString();
  const byName = new Map<string, { files: string[]; lastModified: number }>();
  for await (const obj of store.list(BACKUPS_DIR)) {
    const parsed = layout.parseBackupKey(obj.key);
    if (!parsed) continue;
    let entry = byName.get(parsed.backup);
    if (!entry) byName.set(parsed.backup, (entry = { files: [], lastModified: 0 }));
    entry.files.push(parsed.file);
    entry.lastModified = Math.max(entry.lastModified, obj.lastModified.getTime());
  }

  const limit = pLimit(INVENTORY_READ_CONCURRENCY);
  const names = [...byName.keys()].sort();
  const backups = await Promise.all(
    names.map((name) =>
      limit(async (): Promise<InventoryBackup> => {
        const { files, lastModified } = byName.get(name)!;
        const hasManifest = files.includes(ARTIFACTS.manifest);
        const [manifest, expiry] = await Promise.all([
          hasManifest ? readManifestSafely(store, name) : undefined,
          files.includes(ARTIFACTS.expiry) ? readOptional<ExpiryMark>(store, layout.expiry(name)).catch(() => undefined) : undefined,
        ]);
        return {
          name,
          ...(manifest?.manifest ? { manifest: manifest.manifest } : {}),
          ...(manifest?.error ? { manifestError: manifest.error } : {}),
          incomplete: !hasManifest || (manifest !== undefined && !manifest.manifest && !manifest.error),
          ...(expiry ? { expiry } : {}),
          lastModified: new Date(lastModified).toISOString(),
          files: files.sort(),
        };
      }),
    ),
  );

  const lockKeys: string[] = [];
  for await (const obj of store.list(LOCKS_DIR)) if (obj.key.endsWith('.json')) lockKeys.push(obj.key);
  const locks = (await Promise.all(lockKeys.map((k) => limit(() => readOptional<LockInfo>(store, k).catch(() => undefined))))).filter(
    (l): l is LockInfo => l !== undefined,
  );

  const restores = new Set<string>();
  for await (const obj of store.list(RESTORES_DIR)) {
    const name = obj.key.slice(RESTORES_DIR.length).split('/')[0];
    if (name) restores.add(name);
  }
  const marked = await hasMarker(store);
  return { location, listedAt, backups, locks, restores: [...restores].sort(), marked };
}

/** A manifest that cannot be parsed is reported, not silently dropped or mistaken for Completed. */
async function readManifestSafely(store: ObjectStore, name: string): Promise<{ manifest?: BackupManifest; error?: string } | undefined> {
  try {
    const manifest = await readOptional<BackupManifest>(store, layout.manifest(name));
    return manifest ? { manifest } : {};
  } catch (err) {
    return { error: (err as Error).message };
  }
}
