// `cairn plan` on a work tree (a pull request's checkout): load → observe → plan, no Git writes,
// no actions. What the reconciler would do at this revision, shown before it is merged.
import { loadRepository } from '../api/loader.ts';
import { computePlan } from '../plan/plan.ts';
import type { Plan } from '../plan/types.ts';
import type { EngineConfig } from './config.ts';
import { Connections } from './connections.ts';
import { locationsWithBackups, observe } from './observe.ts';
import { InventoryCache } from './inventory-cache.ts';
import { readStatusDir } from './status-files.ts';
import { removedPolicies } from './status.ts';

export async function planDirectory(dir: string, revision: string, config: EngineConfig): Promise<{ plan: Plan; unobserved: Record<string, string>; counts: { objects: number; files: number } }> {
  const repo = await loadRepository(dir);
  const status = await readStatusDir(dir);
  const { inventories, unobserved } = await observe(repo, new Connections(config), new InventoryCache(0), config, locationsWithBackups(status.docs.values()));
  const plan = computePlan({
    repo,
    revision,
    inventories,
    now: config.now(),
    removedPolicies: removedPolicies(repo, status.docs),
    options: {
      ...(config.maxDeletionsPerTick !== undefined ? { maxDeletionsPerTick: config.maxDeletionsPerTick } : {}),
      allowMassDeletion: config.allowMassDeletion,
      incompleteCleanupAfterMs: config.incompleteCleanupAfterMs,
    },
  });
  return { plan, unobserved, counts: { objects: repo.objectCount ?? 0, files: repo.files?.length ?? 0 } };
}
