// The observe step of a tick: every BackupLocation's inventory, listed (through the cache) or
// reported as not observed. Its own module so `cairn plan` can observe without loading the Git
// adapter the rest of the tick needs.
import type { PolicyRepository } from '../api/types.ts';
import type { Inventory } from '../storage/types.ts';
import type { EngineConfig } from './config.ts';
import type { Connections } from './connections.ts';
import type { InventoryCache } from './inventory-cache.ts';
import type { PolicyStatus, StatusDoc } from './status.ts';

export interface Observed {
  inventories: Record<string, Inventory>;
  unobserved: Record<string, string>;
}

/**
 * The locations that Git status says hold backups: a policy status naming the location with a
 * Completed backup in its history that was not deleted. Such a location listed without its
 * marker (storage/marker.ts) is not the storage cairn wrote to.
 */
export function locationsWithBackups(docs: Iterable<StatusDoc<unknown>>): Set<string> {
  const out = new Set<string>();
  for (const doc of docs) {
    if (doc.kind !== 'BackupPolicyStatus') continue;
    const status = doc.status as Partial<PolicyStatus> | undefined;
    if (!status?.location) continue;
    if ((status.lastBackups ?? []).some((b) => b.phase === 'Completed' && b.deletePhase !== 'Deleted')) out.add(status.location);
  }
  return out;
}

/**
 * Lists every location's inventory (cached); a location that fails is reported, not fatal. A
 * location in `expected` (locationsWithBackups) listed without its marker is reported too:
 * reading it as empty would take "first" backups and run retention against nothing.
 */
export async function observe(
  repo: PolicyRepository,
  connections: Connections,
  cache: InventoryCache,
  config: EngineConfig,
  expected: ReadonlySet<string> = new Set(),
): Promise<Observed> {
  const inventories: Record<string, Inventory> = {};
  const unobserved: Record<string, string> = {};
  await Promise.all(
    repo.locations.map(async (loc) => {
      const name = loc.metadata.name;
      try {
        const inventory = await cache.get(name, await connections.location(loc));
        if (inventory.marked === false && inventory.backups.length === 0 && expected.has(name)) {
          cache.invalidate(name);
          throw new Error(
            `location ${name} lists no backups and has no marker (cairn-location.json), but status/ records backups there: it is not the storage cairn wrote to (unmounted share, wrong path or bucket?); its policies are blocked until it is`,
          );
        }
        inventories[name] = inventory;
      } catch (err) {
        unobserved[name] = (err as Error).message;
        config.logger.warn({ location: name, err: (err as Error).message }, 'cannot list the location; its policies wait');
      }
    }),
  );
  return { inventories, unobserved };
}

