// Which backup a policy is due for right now (DESIGN §2), from its spec, the clock and the backups
// already in storage. Pure: no clock, no I/O.
//
// - Scheduled: the due slot is the latest occurrence at or before now. Missed ticks take only
//   that latest slot (no backlog storms).
// - One-time: once per `trigger` value (`<policy>-<trigger>`; `<policy>-initial` without one).
//   A scheduled policy with a `trigger` also takes one on-demand backup per trigger value.
// - A slot or trigger is satisfied by a backup of it in ANY phase. A Failed backup is not retried
//   for the same slot: retrying on every tick could hammer a broken cluster; the next slot (or a
//   new trigger value) takes another.
// - An incomplete upload (no manifest) of the slot is a crashed attempt when no live lock holds
//   the policy (the caller checks locks first). The slot is not retried while it exists, because
//   the retry would write under the same name; once a later tick cleans it, the slot is due again.
// - suspend: no new backups; nextScheduledTime is not reported.
import type { BackupPolicy } from '../api/types.ts';
import type { ObservedBackup as InventoryBackup } from '../api/inventory.ts';
import { latestSlotAtOrBefore, nextSlotAfter, parseSchedule } from './expression.ts';
import { formatSlot, INITIAL_TRIGGER, oneTimeBackupName, scheduledBackupName } from './naming.ts';

export interface DueBackup {
  backupName: string;
  scheduledTime?: Date;
  trigger?: string;
  reason: string;
}

export interface DueNote {
  code: 'satisfied' | 'slot-failed' | 'suspended' | 'incomplete-attempt';
  backup?: string;
  message: string;
}

export interface DueEvaluation {
  /** Backups to take, on-demand (trigger) first; the plan takes one per tick. */
  due: DueBackup[];
  notes: DueNote[];
  /** Latest slot at or before now (scheduled policies). */
  dueSlot?: Date;
  /** First slot after now; undefined for one-time or suspended policies. */
  nextScheduledTime?: Date;
}

/** Indexed access to observed backups, so a plan over thousands of policies stays linear. */
export interface BackupLookup {
  /** Backups (any location, any state) with exactly this name. */
  named(name: string): readonly InventoryBackup[];
  /** Backups whose manifest names this policy. */
  ofPolicy(policy: string): readonly InventoryBackup[];
}

/** A BackupLookup over a plain list (indexes it once). */
export function lookupOf(backups: readonly InventoryBackup[]): BackupLookup {
  const byName = new Map<string, InventoryBackup[]>();
  const byPolicy = new Map<string, InventoryBackup[]>();
  for (const b of backups) {
    push(byName, b.name, b);
    if (b.manifest) push(byPolicy, b.manifest.policy, b);
  }
  return { named: (n) => byName.get(n) ?? [], ofPolicy: (p) => byPolicy.get(p) ?? [] };
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/**
 * Evaluates what `policy` is due for. `backups` are the backups observed in every location (the
 * function picks the policy's own). Throws ScheduleError / NamingError for a spec it cannot use.
 */
export function evaluateDue(
  policy: BackupPolicy,
  backups: readonly InventoryBackup[] | BackupLookup,
  now: Date,
  slots: SlotCache = new Map(),
): DueEvaluation {
  const lookup = Array.isArray(backups) ? lookupOf(backups) : (backups as BackupLookup);
  const name = policy.metadata.name;
  const { schedule: scheduleText, trigger, suspend } = policy.spec;
  const slotInfo = scheduleText === undefined ? undefined : slotsOf(scheduleText, now, slots);
  const scheduled = slotInfo !== undefined;
  const out: DueEvaluation = { due: [], notes: [] };

  if (slotInfo) {
    out.dueSlot = slotInfo.latest;
    if (!suspend) out.nextScheduledTime = slotInfo.next;
  }
  if (suspend) {
    out.notes.push({ code: 'suspended', message: `policy ${name} is suspended: no new backups` });
    return out;
  }

  // On-demand / one-time: once per trigger value.
  if (trigger !== undefined || !scheduled) {
    const t = trigger ?? INITIAL_TRIGGER;
    const backupName = oneTimeBackupName(name, trigger);
    const label = trigger === undefined ? 'one-time policy' : `trigger "${t}"`;
    const existing =
      lookup.named(backupName)[0] ?? lookup.ofPolicy(name).find((b) => !b.manifest!.preRestoreFor && b.manifest!.trigger === t);
    if (existing) out.notes.push(satisfiedNote(label, existing));
    else out.due.push({ backupName, trigger: t, reason: `${label} has no backup` });
  }

  if (out.dueSlot) {
    const slot = out.dueSlot;
    const backupName = scheduledBackupName(name, slot);
    const label = `slot ${formatSlot(slot)}`;
    const existing =
      lookup.named(backupName)[0] ??
      lookup.ofPolicy(name).find((b) => !b.manifest!.preRestoreFor && sameInstant(b.manifest!.scheduledTime, slot));
    if (existing) out.notes.push(satisfiedNote(label, existing));
    else out.due.push({ backupName, scheduledTime: slot, reason: `${label} has no backup` });
  }
  return out;
}

/**
 * Slots of a schedule text at one instant. Many policies share a schedule ("@hourly"), so a plan
 * passes one cache per computation and each expression is parsed and stepped once.
 */
export type SlotCache = Map<string, { latest?: Date; next?: Date }>;

function slotsOf(text: string, now: Date, cache: SlotCache): { latest?: Date; next?: Date } {
  const key = `${now.getTime()}\u0000${text}`;
  let hit = cache.get(key);
  if (!hit) {
    const schedule = parseSchedule(text);
    hit = { latest: latestSlotAtOrBefore(schedule, now), next: nextSlotAfter(schedule, now) };
    cache.set(key, hit);
  }
  return hit;
}

function satisfiedNote(label: string, b: InventoryBackup): DueNote {
  if (!b.manifest) {
    return {
      code: 'incomplete-attempt',
      backup: b.name,
      message: `${label}: the attempt ${b.name} left an incomplete upload (no manifest, no live lock); retried once it is cleaned`,
    };
  }
  if (b.manifest.phase === 'Failed') {
    return {
      code: 'slot-failed',
      backup: b.name,
      message: `${label} already attempted: ${b.name} Failed; not retried automatically (the next slot or a new trigger takes another)`,
    };
  }
  return { code: 'satisfied', backup: b.name, message: `${label} already has ${b.name} (${b.manifest.phase})` };
}

function sameInstant(text: string | undefined, d: Date): boolean {
  if (text === undefined) return false;
  const t = Date.parse(text);
  return !Number.isNaN(t) && t === d.getTime();
}
