// Small readings of observed storage objects the plan needs, defensive against odd metadata:
// a time that does not parse is reported as undefined, never guessed.
import type { ObservedInventory as Inventory, ObservedLock as LockInfo, ObservedManifest as BackupManifest } from '../api/inventory.ts';

// Manifests are immutable once listed, and the engine plans the same ones every tick: parsing
// their times once (Date.parse of 2 x 20,000 strings was the largest cost of a steady plan)
// keeps the plan a function of its input while costing nothing on the next tick.
const parsedTimes = new WeakMap<BackupManifest, { time: number | undefined; completed: number | undefined }>();

function timesOf(m: BackupManifest): { time: number | undefined; completed: number | undefined } {
  let hit = parsedTimes.get(m);
  if (!hit) {
    const time = parseTime(m.scheduledTime) ?? parseTime(m.startTimestamp) ?? parseTime(m.completionTimestamp);
    const completed = parseTime(m.completionTimestamp) ?? parseTime(m.scheduledTime);
    hit = { time: time?.getTime(), completed: completed?.getTime() };
    parsedTimes.set(m, hit);
  }
  return hit;
}

/** The moment a backup stands for: its scheduled slot, else its start. */
export function backupTime(m: BackupManifest): Date | undefined {
  const { time } = timesOf(m);
  return time === undefined ? undefined : new Date(time);
}

/** When the backup finished: ages count from here (scheduled time as a fallback). */
export function completionTime(m: BackupManifest): Date | undefined {
  const { completed } = timesOf(m);
  return completed === undefined ? undefined : new Date(completed);
}

export function parseTime(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t);
}

export interface ObservedLocks {
  /** policy → its live lock (the one expiring last). */
  live: Map<string, { location: string; lock: LockInfo }>;
  stale: { location: string; lock: LockInfo }[];
}

/** Splits every location's locks into live (expires > now) and stale. */
export function observeLocks(inventories: Record<string, Inventory>, now: Date): ObservedLocks {
  const out: ObservedLocks = { live: new Map(), stale: [] };
  for (const location of Object.keys(inventories).sort()) {
    const locks = [...inventories[location].locks].sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0));
    for (const lock of locks) {
      const expires = parseTime(lock.expires);
      // An unreadable expiry is treated as live: guessing "stale" could start a second backup.
      if (expires === undefined || expires.getTime() > now.getTime()) {
        const prev = out.live.get(lock.policy);
        if (!prev || lock.expires > prev.lock.expires) out.live.set(lock.policy, { location, lock });
      } else {
        out.stale.push({ location, lock });
      }
    }
  }
  return out;
}

/** Whether an incomplete upload named `backup` may belong to a policy holding a live lock. */
export function heldByLiveLock(backup: string, live: ObservedLocks['live']): boolean {
  for (const policy of live.keys()) if (backup.startsWith(`${policy}-`)) return true;
  return false;
}
