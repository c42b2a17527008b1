// Unit tests of the pure schedule helpers: durations, expressions, naming, due slots, retention.
import { describe, expect, it } from 'vitest';
import type { BackupPolicySpec } from '../../src/api/types.ts';
import { formatDuration, parseDuration } from '../../src/schedule/duration.ts';
import { latestSlotAtOrBefore, nextSlotAfter, parseSchedule } from '../../src/schedule/expression.ts';
import { formatSlot, NamingError, oneTimeBackupName, rfc3339, scheduledBackupName, slotStamp } from '../../src/schedule/naming.ts';
import { evaluateDue } from '../../src/schedule/due.ts';
import { decideRetention, isoWeek, periodKey, retentionRulesOf, type RetentionCandidate } from '../../src/schedule/retention.ts';
import { backup, HOUR, incomplete, NOW, policy } from '../plan/fixtures.ts';

const d = (s: string) => new Date(s);

describe('durations', () => {
  it('parses Go durations and formats them back', () => {
    expect(parseDuration('720h')).toBe(720 * HOUR);
    expect(parseDuration('1h30m')).toBe(90 * 60_000);
    expect(parseDuration('1.5h')).toBe(90 * 60_000);
    expect(parseDuration('0')).toBe(0);
    expect(formatDuration(26 * HOUR + 61_000)).toBe('26h1m1s');
    expect(() => parseDuration('3d')).toThrow(/invalid duration "3d"/);
    expect(() => parseDuration('')).toThrow();
  });
});

describe('schedule expressions', () => {
  const now = d('2026-11-21T15:30:00Z');
  it.each([
    ['@hourly', '2026-11-21T15:00:00.000Z', '2026-11-21T16:00:00.000Z'],
    ['@daily', '2026-11-21T00:00:00.000Z', '2026-11-22T00:00:00.000Z'],
    ['@weekly', '2026-11-15T00:00:00.000Z', '2026-11-22T00:00:00.000Z'],
    ['@monthly', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['@yearly', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['30 6 * * 1-5', '2026-11-20T06:30:00.000Z', '2026-11-23T06:30:00.000Z'],
    ['@every 7h', '2026-11-21T15:00:00.000Z', '2026-11-21T22:00:00.000Z'],
  ])('%s: latest at or before, next after', (expr, latest, next) => {
    const s = parseSchedule(expr);
    expect(latestSlotAtOrBefore(s, now)?.toISOString()).toBe(latest);
    expect(nextSlotAfter(s, now)?.toISOString()).toBe(next);
  });
  it('an exact hit is the latest slot; the next one is strictly after', () => {
    const s = parseSchedule('0 */6 * * *');
    expect(latestSlotAtOrBefore(s, d('2026-11-21T06:00:00Z'))?.toISOString()).toBe('2026-11-21T06:00:00.000Z');
    expect(nextSlotAfter(s, d('2026-11-21T06:00:00Z'))?.toISOString()).toBe('2026-11-21T12:00:00.000Z');
  });
  it('rejects 4 and 6 fields, unknown macros and empty @every', () => {
    expect(() => parseSchedule('* * * *')).toThrow(/4 fields/);
    expect(() => parseSchedule('* * * * * *')).toThrow(/6 fields/);
    expect(() => parseSchedule('@fortnightly')).toThrow(/unknown schedule macro/);
    expect(() => parseSchedule('@every')).toThrow(/needs a duration/);
    expect(() => parseSchedule('@every 0s')).toThrow(/positive/);
  });
});

describe('naming', () => {
  it('stamps slots in UTC and names backups', () => {
    expect(slotStamp(d('2026-11-21T06:00:00Z'))).toBe('20261121060000');
    expect(scheduledBackupName('kcm', d('2026-11-21T06:00:00+02:00'))).toBe('kcm-20261121040000');
    expect(oneTimeBackupName('kcm', '2026-11-21-a')).toBe('kcm-2026-11-21-a');
    expect(oneTimeBackupName('kcm', undefined)).toBe('kcm-initial');
    expect(() => oneTimeBackupName('kcm', '../x')).toThrow(NamingError);
    expect(formatSlot(d('2026-11-21T06:00:00Z'))).toBe('2026-11-21 06:00');
    expect(formatSlot(d('2026-11-21T06:00:30Z'))).toBe('2026-11-21 06:00:30');
    expect(rfc3339(d('2026-11-22T06:00:00Z'))).toBe('2026-11-22T06:00:00Z');
  });
});

describe('evaluateDue', () => {
  it('takes the latest slot only and reports the next one', () => {
    const e = evaluateDue(policy('kcm', { schedule: '@hourly' }), [backup('kcm', { slot: '2026-11-21T09:00:00Z' })], NOW);
    expect(e.due).toEqual([{ backupName: 'kcm-20261121150000', scheduledTime: d('2026-11-21T15:00:00Z'), reason: 'slot 2026-11-21 15:00 has no backup' }]);
    expect(e.nextScheduledTime).toEqual(d('2026-11-21T16:00:00Z'));
  });
  it('recognizes a slot by manifest even under another name', () => {
    const b = { ...backup('kcm', { slot: '2026-11-21T15:00:00Z' }), name: 'kcm-manual' };
    expect(evaluateDue(policy('kcm', { schedule: '@hourly' }), [b], NOW).due).toEqual([]);
  });
  it('a crashed attempt (incomplete upload) holds the slot until cleaned', () => {
    const e = evaluateDue(policy('kcm', { schedule: '@hourly' }), [incomplete('kcm-20261121150000', NOW.toISOString())], NOW);
    expect(e.due).toEqual([]);
    expect(e.notes[0].code).toBe('incomplete-attempt');
  });
  it('another policy with the same slot does not satisfy it', () => {
    const e = evaluateDue(policy('kcm', { schedule: '@hourly' }), [backup('web', { slot: '2026-11-21T15:00:00Z' })], NOW);
    expect(e.due.map((x) => x.backupName)).toEqual(['kcm-20261121150000']);
  });
  it('suspended: nothing due, no next time, slot still reported', () => {
    const e = evaluateDue(policy('kcm', { schedule: '@hourly', suspend: true }), [], NOW);
    expect(e).toMatchObject({ due: [], dueSlot: d('2026-11-21T15:00:00Z') });
    expect(e.nextScheduledTime).toBeUndefined();
  });
});

describe('retention', () => {
  const c = (name: string, time: string, phase: RetentionCandidate['phase'] = 'Completed'): RetentionCandidate => ({
    id: name,
    name,
    phase,
    time: d(time),
    completedAt: new Date(Date.parse(time) + 60_000),
  });
  const rules = (spec: BackupPolicySpec) => retentionRulesOf(spec);

  it('ISO weeks and period keys', () => {
    expect(isoWeek(d('2026-01-01T00:00:00Z'))).toEqual({ year: 2026, week: 1 });
    expect(isoWeek(d('2027-01-01T00:00:00Z'))).toEqual({ year: 2026, week: 53 });
    expect(isoWeek(d('2024-12-30T12:00:00Z'))).toEqual({ year: 2025, week: 1 });
    expect(periodKey('weekly', d('2026-11-21T15:00:00Z'))).toBe('2026-W47');
    expect(periodKey('hourly', d('2026-11-21T15:59:00Z'))).toBe('2026-11-21T15');
    expect(periodKey('yearly', d('2026-11-21T15:59:00Z'))).toBe('2026');
  });

  it('GFS counts periods that hold backups, so a stopped schedule keeps its history', () => {
    // Daily backups stopped 10 days ago: daily 3 still keeps the three newest days.
    const cands = [c('a', '2026-11-11T00:00:00Z'), c('b', '2026-11-10T00:00:00Z'), c('c', '2026-11-09T00:00:00Z'), c('d', '2026-11-08T00:00:00Z')];
    const out = decideRetention(cands, rules({ retention: { daily: 3 } }), NOW);
    expect(out.map((x) => [x.name, x.wanted])).toEqual([['a', true], ['b', true], ['c', true], ['d', false]]);
    expect(out[0].reason).toBe('newest of its daily 2026-11-11 period');
  });

  it('GFS hourly and yearly', () => {
    const cands = [c('h1', '2026-11-21T15:10:00Z'), c('h2', '2026-11-21T15:00:00Z'), c('h3', '2026-11-21T14:00:00Z'), c('y', '2025-06-01T00:00:00Z'), c('old', '2024-06-01T00:00:00Z')];
    const out = decideRetention(cands, rules({ retention: { hourly: 2, yearly: 2 } }), NOW);
    expect(out.filter((x) => x.wanted).map((x) => x.name)).toEqual(['h1', 'h3', 'y']);
  });

  it('keep and ttl are a union: a backup goes only when no rule keeps it', () => {
    const cands = [c('new', '2026-11-21T15:00:00Z'), c('mid', '2026-11-20T15:00:00Z'), c('old', '2026-11-10T15:00:00Z')];
    const out = decideRetention(cands, rules({ keep: 1, ttl: '48h' }), NOW);
    expect(out.map((x) => x.wanted)).toEqual([true, true, false]);
    expect(out[2].reason).toBe('beyond keep 1, older than ttl 48h');
    expect(out[1].reason).toBe('younger than ttl 48h');
  });

  it('failed backups never count toward keep and expire after failedBackupTTL', () => {
    const cands = [c('f', '2026-11-21T15:00:00Z', 'Failed'), c('ok1', '2026-11-21T14:00:00Z'), c('ok2', '2026-11-21T13:00:00Z'), c('oldf', '2026-11-10T00:00:00Z', 'PartiallyFailed')];
    const out = decideRetention(cands, rules({ keep: 2 }), NOW);
    expect(out.map((x) => x.wanted)).toEqual([true, true, true, false]);
  });

  it('never lets the last Completed backup go, and says so', () => {
    const out = decideRetention([c('only', '2026-11-01T00:00:00Z'), c('f', '2026-11-21T00:00:00Z', 'Failed')], rules({ ttl: '1h' }), NOW);
    expect(out[0]).toMatchObject({ wanted: true, lastCompleted: true });
    expect(out[0].reason).toBe('last Completed backup of the policy, never expired (otherwise: older than ttl 1h)');
  });

  it('rejects a bad duration with the field text', () => {
    expect(() => retentionRulesOf({ ttl: '30d' })).toThrow(/invalid duration "30d"/);
  });
});
