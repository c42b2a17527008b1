// computePlan: desired(R, now) vs the observed inventories → ordered actions with reasons
// (DESIGN §1). Pure and deterministic: same input, same plan, byte for byte.
//
// The rules it never breaks:
// - A backup of a policy named by an invalid file is frozen: no action touches it. An invalid
//   file without a readable name freezes ALL orphan handling (it might be any policy).
// - Deletions are never immediate: expire (deleteAfter = now + gracePeriod), then delete on a
//   later tick only if deleteAfter ≤ now AND still unwanted; a marked backup wanted again is
//   unexpired (reverting a retention change within grace brings its backups back).
// - The last Completed backup of a policy is never expired, not even under deletionPolicy Delete.
// - At most maxDeletionsPerTick expiries and deletes each (guard.ts).
// - A removed policy file retains its backups (Retain, and any orphan the engine knows nothing
//   about); Delete expires them through the same grace period.
// - Pre-restore safety backups (manifest.preRestoreFor) are outside every policy's retention.
import type { BackupPolicy, PolicyRepository } from '../api/types.ts';
import { chooseRepoLocation } from '../api/location-choice.ts';
import type { ObservedBackup as InventoryBackup, ObservedInventory as Inventory } from '../api/inventory.ts';
import { formatDuration, parseDuration } from '../schedule/duration.ts';
import { evaluateDue, type BackupLookup, type SlotCache } from '../schedule/due.ts';
import { rfc3339 } from '../schedule/naming.ts';
import {
  decideRetention,
  DEFAULT_GRACE_PERIOD,
  retentionRulesOf,
  type RetentionCandidate,
  type RetentionDecision,
} from '../schedule/retention.ts';
import { applyDeletionCap, defaultMaxDeletions } from './guard.ts';
import { backupTime, completionTime, heldByLiveLock, observeLocks, parseTime, type ObservedLocks } from './observed.ts';
import { planRestores } from './restores.ts';
import {
  ACTION_ORDER,
  type CleanupIncompleteAction,
  type DeleteAction,
  type ExpireAction,
  type Plan,
  type PlanAction,
  type PlanBlocked,
  type PlanInput,
  type PlanNote,
  type PolicySchedule,
  type UnexpireAction,
} from './types.ts';

export const DEFAULT_INCOMPLETE_CLEANUP_AFTER_MS = 3_600_000;

/** One observed backup with a manifest, where it lives. */
interface Located {
  location: string;
  backup: InventoryBackup;
}

/** Mutable accumulator threaded through the steps below. */
interface Builder {
  now: Date;
  actions: PlanAction[];
  notes: PlanNote[];
  blocked: PlanBlocked[];
  /** Backups a restore of this tick reads: not expired or deleted this tick. */
  neededByRestore: Map<string, string>;
  /** Slots per schedule text at `now`, shared by the policies of this plan. */
  slots: SlotCache;
}

export function computePlan(input: PlanInput): Plan {
  const { repo, now } = input;
  const options = input.options ?? {};
  const inventories = sortedInventories(input.inventories);
  const b: Builder = { now, actions: [], notes: [], blocked: [], neededByRestore: new Map(), slots: new Map() };

  const frozen = frozenSets(repo);
  const locks = observeLocks(inventories, now);
  for (const { location, lock } of locks.stale) {
    b.notes.push({
      code: 'stale-lock',
      subject: { policy: lock.policy, location },
      message: `lock of ${lock.policy} held by ${lock.holder} expired at ${lock.expires}: ignored`,
    });
  }
  const all = allBackups(inventories);
  const index = indexBackups(all);

  // Restores first: the backups they read are protected from this tick's expiries and deletes.
  const restores = planRestores(repo.restores, inventories);
  b.actions.push(...restores.actions);
  b.notes.push(...restores.notes);
  b.blocked.push(...restores.blocked);
  for (const r of restores.actions) b.neededByRestore.set(key(r.location, r.backupName), r.restore);

  const policies = [...repo.policies].sort((x, y) => cmp(x.metadata.name, y.metadata.name));
  const schedules = policies.map((p) => planPolicy(b, p, repo, inventories, index, locks, frozen));
  planOrphans(b, repo, all, input.removedPolicies ?? {}, frozen);
  planIncompletes(b, inventories, locks, frozen, options.incompleteCleanupAfterMs ?? DEFAULT_INCOMPLETE_CLEANUP_AFTER_MS);

  const backupCount = all.filter((x) => x.backup.manifest).length;
  const limit = options.allowMassDeletion ? null : options.maxDeletionsPerTick ?? defaultMaxDeletions(backupCount);
  const actions = sortActions(b.actions);
  const capped = capDeletions(actions, limit);
  return {
    revision: input.revision,
    now: rfc3339(now),
    actions: capped.actions,
    notes: b.notes,
    blocked: [...b.blocked, ...capped.blocked],
    policies: schedules,
    errors: repo.errors,
    frozen: repo.frozen,
    maxDeletionsPerTick: limit,
  };
}

// ---------------------------------------------------------------- frozen objects

interface FrozenSets {
  policies: Set<string>;
  locations: Set<string>;
  /** An invalid file whose name (and so whose policy) cannot be read. */
  orphansFrozenBy?: string;
}

function frozenSets(repo: PolicyRepository): FrozenSets {
  const out: FrozenSets = { policies: new Set(), locations: new Set() };
  for (const f of [...repo.frozen].sort((x, y) => cmp(x.file, y.file))) {
    const mayBePolicy = f.kind === undefined || f.kind === 'BackupPolicy';
    if (f.name === undefined) {
      if (mayBePolicy && out.orphansFrozenBy === undefined) out.orphansFrozenBy = f.file;
      continue;
    }
    if (mayBePolicy) out.policies.add(f.name);
    if (f.kind === undefined || f.kind === 'BackupLocation') out.locations.add(f.name);
  }
  return out;
}

// ---------------------------------------------------------------- one policy of the repo

function planPolicy(
  b: Builder,
  policy: BackupPolicy,
  repo: PolicyRepository,
  inventories: Record<string, Inventory>,
  index: BackupIndex,
  locks: ObservedLocks,
  frozen: FrozenSets,
): PolicySchedule {
  const name = policy.metadata.name;
  const chosen = policy.spec.location ?? chooseRepoLocation(repo, undefined);
  const location = typeof chosen === 'string' ? chosen : chosen.ok ? chosen.location.metadata.name : undefined;
  const schedule: PolicySchedule = { policy: name, location, suspended: policy.spec.suspend === true, frozen: false };
  if (frozen.policies.has(name)) {
    schedule.frozen = true;
    b.notes.push({ code: 'frozen', subject: { policy: name }, message: `skip ${name}: a file defining it is invalid, backups frozen` });
    return schedule;
  }
  if (location === undefined) {
    b.blocked.push({ code: 'no-location', subject: { policy: name }, message: `policy ${name} sets no spec.location and there is no single default BackupLocation: set spec.location` });
    return schedule;
  }
  if (!inventories[location]) {
    b.blocked.push({
      code: 'location-not-observed',
      subject: { policy: name, location },
      message: `policy ${name}: location ${location} was not observed this tick; no backups and no retention for it`,
    });
    return schedule;
  }
  if (frozen.locations.has(location)) {
    b.notes.push({ code: 'frozen', subject: { policy: name, location }, message: `skip ${name}: the file of its location ${location} is invalid` });
    return schedule;
  }

  planCreate(b, policy, location, index.lookup, locks, schedule);
  planRetention(b, policy, index.byPolicy.get(policy.metadata.name) ?? [], frozen);
  return schedule;
}

function planCreate(b: Builder, policy: BackupPolicy, location: string, lookup: BackupLookup, locks: ObservedLocks, schedule: PolicySchedule): void {
  const name = policy.metadata.name;
  let due;
  try {
    due = evaluateDue(policy, lookup, b.now, b.slots);
  } catch (e) {
    b.blocked.push({ code: 'invalid-spec', subject: { policy: name }, message: `policy ${name}: ${(e as Error).message}` });
    return;
  }
  if (due.dueSlot) schedule.dueSlot = rfc3339(due.dueSlot);
  if (due.nextScheduledTime) schedule.nextScheduledTime = rfc3339(due.nextScheduledTime);
  for (const n of due.notes) b.notes.push({ code: n.code, subject: { policy: name, backup: n.backup }, message: n.message });
  if (due.due.length === 0) return;

  const held = locks.live.get(name);
  if (held) {
    b.notes.push({
      code: 'in-progress',
      subject: { policy: name, location: held.location },
      message: `no new backup of ${name}: backup in progress, held by ${held.lock.holder} until ${held.lock.expires}`,
    });
    return;
  }
  const [first, ...rest] = due.due;
  b.actions.push({
    type: 'backup',
    policy: name,
    location,
    backupName: first.backupName,
    ...(first.scheduledTime ? { scheduledTime: rfc3339(first.scheduledTime) } : {}),
    ...(first.trigger !== undefined ? { trigger: first.trigger } : {}),
    reason: first.reason,
  });
  for (const r of rest) {
    b.notes.push({
      code: 'deferred',
      subject: { policy: name, backup: r.backupName },
      message: `${r.backupName} waits for the next tick: one backup per policy per tick (${r.reason})`,
    });
  }
}

/** `own`: the observed backups whose manifest names this policy, in every location. */
function planRetention(b: Builder, policy: BackupPolicy, own: Located[], frozen: FrozenSets): void {
  const name = policy.metadata.name;
  let rules;
  let graceMs: number;
  try {
    rules = retentionRulesOf(policy.spec);
    graceMs = parseDuration(policy.spec.gracePeriod ?? DEFAULT_GRACE_PERIOD);
  } catch (e) {
    b.blocked.push({ code: 'invalid-spec', subject: { policy: name }, message: `policy ${name}: ${(e as Error).message}; no retention this tick` });
    return;
  }
  const mine = own.filter((x) => !x.backup.manifest!.preRestoreFor);
  const candidates = toCandidates(mine);
  const decisions = decideRetention(candidates.map((c) => c.candidate), rules, b.now);
  decisions.forEach((d, i) => applyDecision(b, candidates[i].located, name, d, graceMs, frozen));
}

// ---------------------------------------------------------------- orphans (policy file gone)

function planOrphans(
  b: Builder,
  repo: PolicyRepository,
  all: Located[],
  removed: NonNullable<PlanInput['removedPolicies']>,
  frozen: FrozenSets,
): void {
  const present = new Set(repo.policies.map((p) => p.metadata.name));
  const byPolicy = new Map<string, Located[]>();
  for (const x of all) {
    const m = x.backup.manifest;
    if (!m || m.preRestoreFor || present.has(m.policy)) continue;
    const list = byPolicy.get(m.policy);
    if (list) list.push(x);
    else byPolicy.set(m.policy, [x]);
  }
  const names = [...byPolicy.keys()].sort(cmp);
  if (names.length > 0 && frozen.orphansFrozenBy !== undefined) {
    b.notes.push({
      code: 'orphans-frozen',
      subject: { file: frozen.orphansFrozenBy },
      message: `skip backups of removed policies (${names.join(', ')}): ${frozen.orphansFrozenBy} is invalid and its name unreadable, so it may define any of them`,
    });
    return;
  }
  for (const name of names) {
    const located = byPolicy.get(name)!;
    if (frozen.policies.has(name)) {
      b.notes.push({ code: 'frozen', subject: { policy: name }, message: `skip ${name}: a file defining it is invalid, backups frozen` });
      continue;
    }
    const entry = removed[name];
    const candidates = toCandidates(located);
    if (entry?.deletionPolicy !== 'Delete') {
      const why = entry ? 'deletionPolicy Retain' : 'no deletionPolicy known, so Retain';
      b.notes.push({ code: 'retained', subject: { policy: name }, message: `policy ${name} removed (${why}): its ${located.length} backups are retained` });
      for (const c of candidates) {
        applyDecision(b, c.located, name, { id: c.candidate.id, name: c.candidate.name, wanted: true, reason: `policy removed, ${why}` }, 0, frozen);
      }
      continue;
    }
    let graceMs: number;
    try {
      graceMs = parseDuration(entry.gracePeriod ?? DEFAULT_GRACE_PERIOD);
    } catch (e) {
      b.blocked.push({ code: 'invalid-spec', subject: { policy: name }, message: `removed policy ${name}: ${(e as Error).message}; nothing expired` });
      continue;
    }
    // Everything goes except the last Completed backup (rules.keep = 0 and nothing else).
    const decisions = decideRetention(candidates.map((c) => c.candidate), { keep: 0, failedTtlMs: 0 }, b.now);
    decisions.forEach((d, i) => {
      const reason = d.lastCompleted
        ? 'policy removed with deletionPolicy Delete, but the last Completed backup of a policy is never expired'
        : 'policy removed with deletionPolicy Delete';
      applyDecision(b, candidates[i].located, name, { ...d, reason }, graceMs, frozen);
    });
  }
}

// ---------------------------------------------------------------- decisions → actions

function applyDecision(b: Builder, x: Located, policy: string, d: RetentionDecision, graceMs: number, frozen: FrozenSets): void {
  const { location, backup } = x;
  if (frozen.locations.has(location)) return;
  const subject = { policy, location, backup: backup.name };
  if (d.lastCompleted) b.notes.push({ code: 'last-completed', subject, message: `keep ${backup.name}: ${d.reason}` });
  const mark = backup.expiry;
  if (d.wanted) {
    if (mark) b.actions.push({ type: 'unexpire', location, backup: backup.name, policy, reason: `wanted again: ${d.reason}` } satisfies UnexpireAction);
    return;
  }
  const restore = b.neededByRestore.get(key(location, backup.name));
  if (restore !== undefined) {
    b.notes.push({ code: 'expiring', subject, message: `${backup.name} unwanted (${d.reason}) but restore ${restore} reads it this tick: left alone` });
    return;
  }
  const deleteAfter = parseTime(mark?.deleteAfter);
  if (!mark || deleteAfter === undefined) {
    const when = rfc3339(new Date(b.now.getTime() + graceMs));
    const reason = mark ? `${d.reason} (the previous expiry mark was unreadable)` : d.reason;
    b.actions.push({ type: 'expire', location, backup: backup.name, policy, deleteAfter: when, reason } satisfies ExpireAction);
    return;
  }
  if (deleteAfter.getTime() <= b.now.getTime()) {
    b.actions.push({
      type: 'delete',
      location,
      backup: backup.name,
      policy,
      deleteAfter: mark.deleteAfter,
      reason: `expiry passed and still unwanted: ${d.reason}`,
    } satisfies DeleteAction);
    return;
  }
  b.notes.push({
    code: 'expiring',
    subject,
    message: `${backup.name} expiring: deleted after ${mark.deleteAfter} if still unwanted (grace ${formatDuration(graceMs)})`,
  });
}

// ---------------------------------------------------------------- incomplete uploads

function planIncompletes(b: Builder, inventories: Record<string, Inventory>, locks: ObservedLocks, frozen: FrozenSets, afterMs: number): void {
  for (const location of Object.keys(inventories)) {
    if (frozen.locations.has(location)) continue;
    for (const backup of inventories[location].backups) {
      if (!backup.incomplete || backup.manifest) continue;
      const modified = parseTime(backup.lastModified);
      if (modified === undefined || b.now.getTime() - modified.getTime() < afterMs) continue;
      if (heldByLiveLock(backup.name, locks.live)) continue; // still being uploaded
      b.actions.push({
        type: 'cleanupIncomplete',
        location,
        backup: backup.name,
        lastModified: backup.lastModified,
        reason: `no manifest, older than ${formatDuration(afterMs)}`,
      } satisfies CleanupIncompleteAction);
    }
  }
}

// ---------------------------------------------------------------- helpers

function toCandidates(located: Located[]): { located: Located; candidate: RetentionCandidate }[] {
  const out: { located: Located; candidate: RetentionCandidate }[] = [];
  for (const x of located) {
    const m = x.backup.manifest!;
    const time = backupTime(m);
    const completedAt = completionTime(m) ?? time;
    // A backup whose times cannot be read cannot be ranked: it is left out, so never expired.
    if (time === undefined || completedAt === undefined) continue;
    out.push({ located: x, candidate: { id: key(x.location, x.backup.name), name: x.backup.name, phase: m.phase, time, completedAt } });
  }
  return out;
}

function capDeletions(actions: PlanAction[], limit: number | null): { actions: PlanAction[]; blocked: PlanBlocked[] } {
  const expires = applyDeletionCap(actions.filter((a): a is ExpireAction => a.type === 'expire'), limit);
  const deletes = applyDeletionCap(actions.filter((a): a is DeleteAction => a.type === 'delete'), limit);
  const cut = new Set<PlanAction>([...(expires.blocked?.heldBack ?? []), ...(deletes.blocked?.heldBack ?? [])]);
  return {
    actions: actions.filter((a) => !cut.has(a)),
    blocked: [expires.blocked, deletes.blocked].filter((x): x is PlanBlocked => x !== undefined),
  };
}

function sortActions(actions: PlanAction[]): PlanAction[] {
  return [...actions].sort((x, y) => ACTION_ORDER.indexOf(x.type) - ACTION_ORDER.indexOf(y.type) || cmp(sortKey(x), sortKey(y)));
}

function sortKey(a: PlanAction): string {
  switch (a.type) {
    case 'backup':
      return `${a.policy}\u0000${a.backupName}`;
    case 'restore':
      return a.restore;
    default:
      return `${a.location}\u0000${a.backup}`;
  }
}

function sortedInventories(inventories: Record<string, Inventory>): Record<string, Inventory> {
  const out: Record<string, Inventory> = {};
  for (const location of Object.keys(inventories).sort(cmp)) {
    const inv = inventories[location];
    out[location] = { ...inv, backups: [...inv.backups].sort((x, y) => cmp(x.name, y.name)) };
  }
  return out;
}

interface BackupIndex {
  byPolicy: Map<string, Located[]>;
  lookup: BackupLookup;
}

/** One pass over all backups, so per-policy work does not rescan the whole inventory. */
function indexBackups(all: Located[]): BackupIndex {
  const byPolicy = new Map<string, Located[]>();
  const byName = new Map<string, InventoryBackup[]>();
  for (const x of all) {
    const named = byName.get(x.backup.name);
    if (named) named.push(x.backup);
    else byName.set(x.backup.name, [x.backup]);
    const policy = x.backup.manifest?.policy;
    if (policy === undefined) continue;
    const own = byPolicy.get(policy);
    if (own) own.push(x);
    else byPolicy.set(policy, [x]);
  }
  return {
    byPolicy,
    lookup: {
      named: (n) => byName.get(n) ?? [],
      ofPolicy: (p) => (byPolicy.get(p) ?? []).map((x) => x.backup),
    },
  };
}

function allBackups(inventories: Record<string, Inventory>): Located[] {
  return Object.keys(inventories).flatMap((location) => inventories[location].backups.map((backup) => ({ location, backup })));
}

function key(location: string, backup: string): string {
  return `${location}/${backup}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
