// RestoreRequests → restore actions. A request runs once: it is done when any location holds
// restores/<name>/result.json.gz (the inventory's `restores`). The backup is resolved here, so the
// plan shows exactly which backup a restore will read.
import type { RestoreRequest } from '../api/types.ts';
import type { ObservedBackup as InventoryBackup, ObservedInventory as Inventory } from '../api/inventory.ts';
import type { PlanBlocked, PlanNote, RestoreAction } from './types.ts';
import { backupTime } from './observed.ts';

export interface RestorePlan {
  actions: RestoreAction[];
  notes: PlanNote[];
  blocked: PlanBlocked[];
}

export function planRestores(restores: readonly RestoreRequest[], inventories: Record<string, Inventory>): RestorePlan {
  const out: RestorePlan = { actions: [], notes: [], blocked: [] };
  const locations = Object.keys(inventories).sort();
  const sorted = [...restores].sort((a, b) => cmp(a.metadata.name, b.metadata.name));
  for (const r of sorted) {
    const name = r.metadata.name;
    if (locations.some((l) => inventories[l].restores.includes(name))) continue;
    const searched = r.spec.location !== undefined ? locations.filter((l) => l === r.spec.location) : locations;
    const subject = { restore: name };
    if (r.spec.location !== undefined && searched.length === 0) {
      out.notes.push({ code: 'restore-waiting', subject, message: `restore ${name} waits: location ${r.spec.location} is not observed this tick` });
      continue;
    }
    if (r.spec.backupName !== undefined) {
      const wanted = r.spec.backupName;
      const found = searched
        .map((l) => ({ location: l, b: inventories[l].backups.find((b) => b.name === wanted) }))
        .filter((x): x is { location: string; b: InventoryBackup } => x.b !== undefined);
      const complete = found.find((x) => x.b.manifest);
      if (!complete) {
        const why = found.length > 0 ? 'is still an incomplete upload' : 'is not in any observed location';
        out.notes.push({ code: 'restore-waiting', subject, message: `restore ${name} waits: backup ${wanted} ${why}` });
        continue;
      }
      if (complete.b.manifest!.phase === 'Failed') {
        out.blocked.push({
          code: 'restore-unresolvable',
          subject: { ...subject, backup: wanted, location: complete.location },
          message: `restore ${name}: backup ${wanted} Failed and cannot be restored; point backupName at another backup`,
        });
        continue;
      }
      out.actions.push({ type: 'restore', restore: name, location: complete.location, backupName: wanted, reason: 'not run yet' });
      continue;
    }
    if (r.spec.policy !== undefined) {
      const policy = r.spec.policy;
      const at = r.spec.at === undefined ? undefined : Date.parse(r.spec.at);
      if (at !== undefined && Number.isNaN(at)) {
        out.blocked.push({ code: 'restore-unresolvable', subject, message: `restore ${name}: spec.at "${r.spec.at}" is not an RFC3339 time` });
        continue;
      }
      let best: { location: string; b: InventoryBackup; t: number } | undefined;
      for (const l of searched) {
        for (const b of inventories[l].backups) {
          const m = b.manifest;
          if (!m || m.phase !== 'Completed' || m.policy !== policy || m.preRestoreFor) continue;
          const t = backupTime(m)?.getTime();
          if (t === undefined || (at !== undefined && t > at)) continue;
          if (!best || t > best.t || (t === best.t && b.name > best.b.name)) best = { location: l, b, t };
        }
      }
      if (!best) {
        const when = r.spec.at === undefined ? '' : ` at or before ${r.spec.at}`;
        out.notes.push({ code: 'restore-waiting', subject, message: `restore ${name} waits: policy ${policy} has no Completed backup${when}` });
        continue;
      }
      const when = r.spec.at === undefined ? '' : ` at or before ${r.spec.at}`;
      out.actions.push({
        type: 'restore',
        restore: name,
        location: best.location,
        backupName: best.b.name,
        reason: `not run yet; latest Completed backup of ${policy}${when}`,
      });
      continue;
    }
    out.blocked.push({ code: 'restore-unresolvable', subject, message: `restore ${name}: set spec.backupName or spec.policy` });
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
