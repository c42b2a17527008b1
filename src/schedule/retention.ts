// Which backups of ONE policy its retention still wants (DESIGN §1, §2). Pure: the caller passes
// the clock. The decisions feed the plan, which turns "unwanted" into an expiry mark and, after
// the grace period, into a deletion.
//
// Completed backups: the keep rules are a union, the way restic's `forget` combines them: a
// backup stays when ANY rule keeps it (errors lean toward keeping):
//   keep N     the N newest Completed backups;
//   ttl        younger than ttl, the age counted from completion (scheduled time as fallback);
//   retention  GFS: the newest Completed backup in each of the last N hours / days / ISO weeks /
//              months / years that hold a backup (periods without backups are not counted, so a
//              stopped schedule never ages the whole history out).
// With no rule at all every Completed backup is kept.
// Failed / PartiallyFailed backups never count toward keep or GFS; they live for failedBackupTTL.
// The newest Completed backup is never let go, whatever the rules say: it is the one that restores.
import type { BackupPolicySpec, GfsRetention } from '../api/types.ts';
import type { BackupPhase } from '../api/inventory.ts';
import { formatDuration, parseDuration } from './duration.ts';

export const DEFAULT_GRACE_PERIOD = '24h';
export const DEFAULT_FAILED_BACKUP_TTL = '72h';

export interface RetentionRules {
  keep?: number;
  ttlMs?: number;
  gfs?: GfsRetention;
  failedTtlMs: number;
}

export interface RetentionCandidate {
  /** Unique among the candidates (the plan uses "<location>/<name>"). */
  id: string;
  name: string;
  phase: BackupPhase;
  /** The moment the backup stands for: its scheduled slot, else its start. Orders and buckets. */
  time: Date;
  /** Completion time: ages for ttl and failedBackupTTL count from here. */
  completedAt: Date;
}

export interface RetentionDecision {
  id: string;
  name: string;
  wanted: boolean;
  reason: string;
  /** Kept only because it is the policy's last Completed backup. */
  lastCompleted?: boolean;
}

/** Reads the retention fields of a policy spec, with the documented defaults. Throws DurationError. */
export function retentionRulesOf(spec: BackupPolicySpec): RetentionRules {
  return {
    keep: spec.keep,
    ttlMs: spec.ttl === undefined ? undefined : parseDuration(spec.ttl),
    gfs: spec.retention,
    failedTtlMs: parseDuration(spec.failedBackupTTL ?? DEFAULT_FAILED_BACKUP_TTL),
  };
}

type Granularity = keyof GfsRetention;
const GRANULARITIES: Granularity[] = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'];

/** Decisions for every candidate, in the order given. */
export function decideRetention(
  candidates: readonly RetentionCandidate[],
  rules: RetentionRules,
  now: Date,
): RetentionDecision[] {
  const decisions = new Map<string, RetentionDecision>();
  const completed = candidates.filter((c) => c.phase === 'Completed').sort(newestFirst);

  for (const c of candidates) {
    if (c.phase === 'Completed') continue;
    const age = now.getTime() - c.completedAt.getTime();
    const limit = formatDuration(rules.failedTtlMs);
    decisions.set(
      c.id,
      age < rules.failedTtlMs
        ? { id: c.id, name: c.name, wanted: true, reason: `${c.phase}, younger than failedBackupTTL ${limit}` }
        : { id: c.id, name: c.name, wanted: false, reason: `${c.phase} and older than failedBackupTTL ${limit} (failed backups never count toward keep)` },
    );
  }

  const gfsKept = gfsSelection(completed, rules.gfs);
  const anyRule = rules.keep !== undefined || rules.ttlMs !== undefined || gfsKept !== undefined;
  completed.forEach((c, index) => {
    if (!anyRule) {
      decisions.set(c.id, { id: c.id, name: c.name, wanted: true, reason: 'no retention rule (keep, ttl, retention) set' });
      return;
    }
    const kept: string[] = [];
    const dropped: string[] = [];
    if (rules.keep !== undefined) {
      (index < rules.keep ? kept : dropped).push(`${index < rules.keep ? 'within' : 'beyond'} keep ${rules.keep}`);
    }
    if (rules.ttlMs !== undefined) {
      const young = now.getTime() - c.completedAt.getTime() < rules.ttlMs;
      (young ? kept : dropped).push(`${young ? 'younger' : 'older'} than ttl ${formatDuration(rules.ttlMs)}`);
    }
    if (gfsKept !== undefined) {
      const periods = gfsKept.get(c.id);
      if (periods) kept.push(`newest of its ${periods.join(', ')} period`);
      else dropped.push('not the newest of any retained GFS period');
    }
    decisions.set(
      c.id,
      kept.length > 0
        ? { id: c.id, name: c.name, wanted: true, reason: kept.join('; ') }
        : { id: c.id, name: c.name, wanted: false, reason: dropped.join(', ') },
    );
  });

  // Never let the last Completed backup go.
  if (completed.length > 0 && completed.every((c) => !decisions.get(c.id)!.wanted)) {
    const newest = completed[0];
    const would = decisions.get(newest.id)!.reason;
    decisions.set(newest.id, {
      id: newest.id,
      name: newest.name,
      wanted: true,
      lastCompleted: true,
      reason: `last Completed backup of the policy, never expired (otherwise: ${would})`,
    });
  }
  return candidates.map((c) => decisions.get(c.id)!);
}

/** GFS picks: id → the granularities that keep it; undefined when no GFS count is set. */
function gfsSelection(newestFirstCompleted: readonly RetentionCandidate[], gfs: GfsRetention | undefined): Map<string, string[]> | undefined {
  const active = GRANULARITIES.filter((g) => (gfs?.[g] ?? 0) > 0);
  if (active.length === 0) return undefined;
  const picks = new Map<string, string[]>();
  for (const g of active) {
    const limit = gfs![g]!;
    let last: string | undefined;
    let count = 0;
    for (const c of newestFirstCompleted) {
      if (count >= limit) break;
      const bucket = periodKey(g, c.time);
      if (bucket === last) continue;
      last = bucket;
      count++;
      picks.set(c.id, [...(picks.get(c.id) ?? []), `${g} ${bucket}`]);
    }
  }
  return picks;
}

/** UTC period of a granularity: "2026-11-21T06", "2026-11-21", "2026-W47", "2026-11", "2026". */
export function periodKey(g: Granularity, d: Date): string {
  const iso = d.toISOString();
  switch (g) {
    case 'hourly':
      return iso.slice(0, 13);
    case 'daily':
      return iso.slice(0, 10);
    case 'weekly': {
      const { year, week } = isoWeek(d);
      return `${year}-W${String(week).padStart(2, '0')}`;
    }
    case 'monthly':
      return iso.slice(0, 7);
    case 'yearly':
      return iso.slice(0, 4);
  }
}

/** ISO 8601 week (weeks start Monday; week 1 holds the year's first Thursday), in UTC. */
export function isoWeek(d: Date): { year: number; week: number } {
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const dow = day.getUTCDay() || 7; // Monday 1 … Sunday 7
  day.setUTCDate(day.getUTCDate() + 4 - dow); // the Thursday of this week decides the year
  const year = day.getUTCFullYear();
  const week = Math.ceil(((day.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return { year, week };
}

function newestFirst(a: RetentionCandidate, b: RetentionCandidate): number {
  const d = b.time.getTime() - a.time.getTime();
  if (d !== 0) return d;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
