// The observe step of a tick: every BackupLocation's inventory, listed (through the cache) or
// reported as not observed. Its own module so `cairn plan` can observe without loading the Git
// adapter the rest of the tick needs.
import type { PolicyRepository } from '../api/types.ts';
import type { Inventory } from '../storage/types.ts';
import type { EngineConfig } from './config.ts';
import type { Connections } from './connections.ts';
import type { InventoryCache } from './inventory-cache.ts';

export interface Observed {
  inventories: Record<string, Inventory>;
  unobserved: Record<string, string>;
}

/** Lists every location's inventory (cached); a location that fails is reported, not fatal. */
export async function observe(repo: PolicyRepository, connections: Connections, cache: InventoryCache, config: EngineConfig): Promise<Observed> {
  const inventories: Record<string, Inventory> = {};
  const unobserved: Record<string, string> = {};
  await Promise.all(
    repo.locations.map(async (loc) => {
      const name = loc.metadata.name;
      try {
        inventories[name] = await cache.get(name, await connections.location(loc));
      } catch (err) {
        unobserved[name] = (err as Error).message;
        config.logger.warn({ location: name, err: (err as Error).message }, 'cannot list the location; its policies wait');
      }
    }),
  );
  return { inventories, unobserved };
}

