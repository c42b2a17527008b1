// Plan table tests with a fixed clock (2026-11-21T15:30:00Z, a Saturday). Each case states the
// exact actions (in their one-line form, in order) and the notes / blocked entries it expects.
import { describe, expect, it } from 'vitest';
import { computePlan, describeAction, formatPlan, type Plan, type PlanInput } from '../../src/plan/index.ts';
import { at, backup, HOUR, incomplete, inventory, location, lock, NOW, policy, repo, restore, series } from './fixtures.ts';

const GRACE_END = '2026-11-22T15:30:00Z';

interface Case {
  name: string;
  input: Partial<PlanInput>;
  actions: string[];
  notes?: string[]; // substrings, each must appear in some note message
  blocked?: string[]; // substrings, each must appear in some blocked message
  check?: (plan: Plan) => void;
}

function plan(input: Partial<PlanInput>): Plan {
  return computePlan({
    repo: repo(),
    revision: 'abc123',
    inventories: { primary: inventory([]) },
    now: NOW,
    options: { maxDeletionsPerTick: 100 },
    ...input,
  });
}

const cases: Case[] = [
  // ------------------------------------------------------------ schedules
  {
    name: '@hourly with no backups takes the latest slot',
    input: { repo: repo({ policies: [policy('kcm', { schedule: '@hourly' })] }) },
    actions: ['backup kcm-20261121150000: slot 2026-11-21 15:00 has no backup'],
    check: (p) => {
      expect(p.policies[0]).toMatchObject({ policy: 'kcm', location: 'primary', dueSlot: '2026-11-21T15:00:00Z', nextScheduledTime: '2026-11-21T16:00:00Z' });
      expect(p.actions[0]).toMatchObject({ type: 'backup', policy: 'kcm', location: 'primary', scheduledTime: '2026-11-21T15:00:00Z' });
    },
  },
  {
    name: '@daily',
    input: { repo: repo({ policies: [policy('kcm', { schedule: '@daily' })] }) },
    actions: ['backup kcm-20261121000000: slot 2026-11-21 00:00 has no backup'],
    check: (p) => expect(p.policies[0].nextScheduledTime).toBe('2026-11-22T00:00:00Z'),
  },
  {
    name: '@weekly (Sunday midnight)',
    input: { repo: repo({ policies: [policy('kcm', { schedule: '@weekly' })] }) },
    actions: ['backup kcm-20261115000000: slot 2026-11-15 00:00 has no backup'],
  },
  {
    name: '@monthly',
    input: { repo: repo({ policies: [policy('kcm', { schedule: '@monthly' })] }) },
    actions: ['backup kcm-20261101000000: slot 2026-11-01 00:00 has no backup'],
  },
  {
    name: '@yearly',
    input: { repo: repo({ policies: [policy('kcm', { schedule: '@yearly' })] }) },
    actions: ['backup kcm-20260101000000: slot 2026-01-01 00:00 has no backup'],
    check: (p) => expect(p.policies[0].nextScheduledTime).toBe('2027-01-01T00:00:00Z'),
  },
  {
    name: 'cron every 6 hours',
    input: { repo: repo({ policies: [policy('kcm', { schedule: '0 */6 * * *' })] }) },
    actions: ['backup kcm-20261121120000: slot 2026-11-21 12:00 has no backup'],
    check: (p) => expect(p.policies[0].nextScheduledTime).toBe('2026-11-21T18:00:00Z'),
  },
  {
    name: '@every 20m (slots are multiples of the period since the epoch)',
    input: { repo: repo({ policies: [policy('kcm', { schedule: '@every 20m' })] }) },
    actions: ['backup kcm-20261121152000: slot 2026-11-21 15:20 has no backup'],
    check: (p) => expect(p.policies[0].nextScheduledTime).toBe('2026-11-21T15:40:00Z'),
  },
  {
    name: 'missed slots: only the latest is taken, no backlog',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly' })] }),
      inventories: { primary: inventory([backup('kcm', { slot: '2026-11-21T10:00:00Z' })]) },
    },
    actions: ['backup kcm-20261121150000: slot 2026-11-21 15:00 has no backup'],
  },
  {
    name: 'slot already has a Completed backup: nothing to do',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly' })] }),
      inventories: { primary: inventory([backup('kcm', { slot: '2026-11-21T15:00:00Z' })]) },
    },
    actions: [],
    notes: ['slot 2026-11-21 15:00 already has kcm-20261121150000 (Completed)'],
  },
  {
    name: 'a Failed slot is not retried automatically',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly' })] }),
      inventories: { primary: inventory([backup('kcm', { slot: '2026-11-21T15:00:00Z', phase: 'Failed' })]) },
    },
    actions: [],
    notes: ['kcm-20261121150000 Failed; not retried automatically'],
  },
  {
    name: 'suspend: no new backups and no next time',
    input: { repo: repo({ policies: [policy('kcm', { schedule: '@hourly', suspend: true })] }) },
    actions: [],
    notes: ['policy kcm is suspended: no new backups'],
    check: (p) => {
      expect(p.policies[0].suspended).toBe(true);
      expect(p.policies[0].nextScheduledTime).toBeUndefined();
    },
  },
  {
    name: 'one-time policy without trigger runs once as <policy>-initial',
    input: { repo: repo({ policies: [policy('kcm', {})] }) },
    actions: ['backup kcm-initial: one-time policy has no backup'],
    check: (p) => expect(p.actions[0]).toMatchObject({ trigger: 'initial' }),
  },
  {
    name: 'one-time policy already taken: nothing',
    input: { repo: repo({ policies: [policy('kcm', {})] }), inventories: { primary: inventory([backup('kcm', { trigger: 'initial' })]) } },
    actions: [],
    notes: ['one-time policy already has kcm-initial (Completed)'],
  },
  {
    name: 'trigger changed: another one-time backup',
    input: {
      repo: repo({ policies: [policy('kcm', { trigger: '2026-11-21-a' })] }),
      inventories: { primary: inventory([backup('kcm', { trigger: '2026-11-20-a' })]) },
    },
    actions: ['backup kcm-2026-11-21-a: trigger "2026-11-21-a" has no backup'],
  },
  {
    name: 'scheduled policy with a new trigger: trigger first, slot deferred (one backup per policy per tick)',
    input: { repo: repo({ policies: [policy('kcm', { schedule: '@hourly', trigger: 'now-1' })] }) },
    actions: ['backup kcm-now-1: trigger "now-1" has no backup'],
    notes: ['kcm-20261121150000 waits for the next tick'],
  },
  // ------------------------------------------------------------ retention
  {
    name: 'keep 3: the two oldest of five expire with the grace period',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 3 })] }),
      inventories: { primary: inventory(series('kcm', '2026-11-21T15:00:00Z', HOUR, 5)) },
    },
    actions: [
      `expire kcm-20261121110000: beyond keep 3 (deleteAfter ${GRACE_END})`,
      `expire kcm-20261121120000: beyond keep 3 (deleteAfter ${GRACE_END})`,
    ],
  },
  {
    name: 'ttl 48h: backups completed more than 48h ago expire',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@daily', ttl: '48h' })] }),
      inventories: { primary: inventory(series('kcm', '2026-11-21T00:00:00Z', 24 * HOUR, 5)) },
    },
    actions: [
      `expire kcm-20261117000000: older than ttl 48h (deleteAfter ${GRACE_END})`,
      `expire kcm-20261118000000: older than ttl 48h (deleteAfter ${GRACE_END})`,
      `expire kcm-20261119000000: older than ttl 48h (deleteAfter ${GRACE_END})`,
    ],
  },
  {
    name: 'GFS daily 2, weekly 2, monthly 2: newest in each period is kept',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', retention: { daily: 2, weekly: 2, monthly: 2 } })] }),
      inventories: {
        primary: inventory(
          ['2026-11-21T15:00:00Z', '2026-11-21T09:00:00Z', '2026-11-20T21:00:00Z', '2026-11-20T09:00:00Z', '2026-11-19T12:00:00Z', '2026-11-12T12:00:00Z', '2026-10-15T00:00:00Z'].map(
            (slot) => backup('kcm', { slot }),
          ),
        ),
      },
    },
    actions: [
      `expire kcm-20261119120000: not the newest of any retained GFS period (deleteAfter ${GRACE_END})`,
      `expire kcm-20261120090000: not the newest of any retained GFS period (deleteAfter ${GRACE_END})`,
      `expire kcm-20261121090000: not the newest of any retained GFS period (deleteAfter ${GRACE_END})`,
    ],
  },
  {
    name: 'GFS is a union with keep',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 2, retention: { daily: 2, weekly: 2, monthly: 2 } })] }),
      inventories: {
        primary: inventory(
          ['2026-11-21T15:00:00Z', '2026-11-21T09:00:00Z', '2026-11-20T21:00:00Z', '2026-11-20T09:00:00Z', '2026-11-19T12:00:00Z', '2026-11-12T12:00:00Z', '2026-10-15T00:00:00Z'].map(
            (slot) => backup('kcm', { slot }),
          ),
        ),
      },
    },
    actions: [
      `expire kcm-20261119120000: beyond keep 2, not the newest of any retained GFS period (deleteAfter ${GRACE_END})`,
      `expire kcm-20261120090000: beyond keep 2, not the newest of any retained GFS period (deleteAfter ${GRACE_END})`,
    ],
  },
  {
    name: 'Failed and PartiallyFailed backups do not count toward keep',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 2 })] }),
      inventories: {
        primary: inventory([
          backup('kcm', { slot: '2026-11-21T15:00:00Z', phase: 'Failed' }),
          backup('kcm', { slot: '2026-11-21T14:00:00Z', phase: 'PartiallyFailed' }),
          ...series('kcm', '2026-11-21T13:00:00Z', HOUR, 3),
        ]),
      },
    },
    actions: [`expire kcm-20261121110000: beyond keep 2 (deleteAfter ${GRACE_END})`],
  },
  {
    name: 'failedBackupTTL (default 72h) cleans old failed backups',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 5 })] }),
      inventories: {
        primary: inventory([
          backup('kcm', { slot: '2026-11-21T15:00:00Z' }),
          backup('kcm', { slot: '2026-11-20T15:00:00Z', phase: 'PartiallyFailed' }),
          backup('kcm', { slot: '2026-11-17T15:00:00Z', phase: 'Failed' }),
        ]),
      },
    },
    actions: [
      `expire kcm-20261117150000: Failed and older than failedBackupTTL 72h (failed backups never count toward keep) (deleteAfter ${GRACE_END})`,
    ],
  },
  {
    name: 'failedBackupTTL set to 12h',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 5, failedBackupTTL: '12h' })] }),
      inventories: {
        primary: inventory([backup('kcm', { slot: '2026-11-21T15:00:00Z' }), backup('kcm', { slot: '2026-11-20T15:00:00Z', phase: 'PartiallyFailed' })]),
      },
    },
    actions: [
      `expire kcm-20261120150000: PartiallyFailed and older than failedBackupTTL 12h (failed backups never count toward keep) (deleteAfter ${GRACE_END})`,
    ],
  },
  {
    name: 'custom gracePeriod sets deleteAfter',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 1, gracePeriod: '2h30m' })] }),
      inventories: { primary: inventory(series('kcm', '2026-11-21T15:00:00Z', HOUR, 2)) },
    },
    actions: ['expire kcm-20261121140000: beyond keep 1 (deleteAfter 2026-11-21T18:00:00Z)'],
  },
  // ------------------------------------------------------------ grace, revert, never the last
  {
    name: 'grace: marked and deleteAfter not reached: nothing yet',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 3 })] }),
      inventories: {
        primary: inventory([
          ...series('kcm', '2026-11-21T15:00:00Z', HOUR, 3),
          ...series('kcm', '2026-11-21T12:00:00Z', HOUR, 2, { expiry: { deleteAfter: at(2 * HOUR) } }),
        ]),
      },
    },
    actions: [],
    notes: ['kcm-20261121110000 expiring: deleted after 2026-11-21T17:30:00Z if still unwanted'],
  },
  {
    name: 'grace: deleteAfter passed and still unwanted: delete',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 3 })] }),
      inventories: {
        primary: inventory([
          ...series('kcm', '2026-11-21T15:00:00Z', HOUR, 3),
          ...series('kcm', '2026-11-21T12:00:00Z', HOUR, 2, { expiry: { deleteAfter: at(-HOUR) } }),
        ]),
      },
    },
    actions: [
      'delete kcm-20261121110000: expiry passed and still unwanted: beyond keep 3',
      'delete kcm-20261121120000: expiry passed and still unwanted: beyond keep 3',
    ],
    check: (p) => expect(p.actions[0]).toMatchObject({ type: 'delete', deleteAfter: at(-HOUR), policy: 'kcm', location: 'primary' }),
  },
  {
    name: 'revert within grace: retention widened again, marked backups are unexpired, nothing deleted',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 5 })] }),
      inventories: {
        primary: inventory([
          ...series('kcm', '2026-11-21T15:00:00Z', HOUR, 3),
          ...series('kcm', '2026-11-21T12:00:00Z', HOUR, 2, { expiry: { deleteAfter: at(2 * HOUR) } }),
        ]),
      },
    },
    actions: ['unexpire kcm-20261121110000: wanted again: within keep 5', 'unexpire kcm-20261121120000: wanted again: within keep 5'],
  },
  {
    name: 'a wanted backup past its deleteAfter is unexpired, never deleted',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 5 })] }),
      inventories: { primary: inventory([...series('kcm', '2026-11-21T15:00:00Z', HOUR, 1, { expiry: { deleteAfter: at(-HOUR) } })]) },
    },
    actions: ['unexpire kcm-20261121150000: wanted again: within keep 5'],
  },
  {
    name: 'never the last Completed backup: ttl passed, but it is the only Completed one',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@daily', ttl: '24h' })] }),
      inventories: {
        primary: inventory([backup('kcm', { slot: '2026-11-16T00:00:00Z' }), backup('kcm', { slot: '2026-11-21T00:00:00Z', phase: 'Failed' })]),
      },
    },
    actions: [],
    notes: ['keep kcm-20261116000000: last Completed backup of the policy, never expired (otherwise: older than ttl 24h)'],
  },
  {
    name: 'never the last: keep 0 still keeps the newest Completed',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 0 })] }),
      inventories: { primary: inventory(series('kcm', '2026-11-21T15:00:00Z', HOUR, 3)) },
    },
    actions: [
      `expire kcm-20261121130000: beyond keep 0 (deleteAfter ${GRACE_END})`,
      `expire kcm-20261121140000: beyond keep 0 (deleteAfter ${GRACE_END})`,
    ],
    notes: ['keep kcm-20261121150000: last Completed backup'],
  },
  {
    name: 'no retention rule: everything is kept',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly' })] }),
      inventories: { primary: inventory(series('kcm', '2026-11-21T15:00:00Z', HOUR, 4, { expiry: { deleteAfter: at(-HOUR) } })) },
    },
    actions: [
      'unexpire kcm-20261121120000: wanted again: no retention rule (keep, ttl, retention) set',
      'unexpire kcm-20261121130000: wanted again: no retention rule (keep, ttl, retention) set',
      'unexpire kcm-20261121140000: wanted again: no retention rule (keep, ttl, retention) set',
      'unexpire kcm-20261121150000: wanted again: no retention rule (keep, ttl, retention) set',
    ],
  },
  // ------------------------------------------------------------ mass-deletion guard
  {
    name: 'mass-deletion guard: default cap is 10% of the inventory, at least 1',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 1 })] }),
      inventories: { primary: inventory(series('kcm', '2026-11-21T15:00:00Z', HOUR, 10)) },
      options: {},
    },
    actions: [`expire kcm-20261121060000: beyond keep 1 (deleteAfter ${GRACE_END})`],
    blocked: ['would expire 9 backups, more than maxDeletionsPerTick 1: 1 now, 8 held back; pass --allow-mass-deletion'],
    check: (p) => {
      expect(p.maxDeletionsPerTick).toBe(1);
      const held = p.blocked.find((b) => b.code === 'mass-deletion')!.heldBack!;
      expect(held.map((a) => (a.type === 'expire' ? a.backup : ''))).toEqual([
        'kcm-20261121070000', 'kcm-20261121080000', 'kcm-20261121090000', 'kcm-20261121100000',
        'kcm-20261121110000', 'kcm-20261121120000', 'kcm-20261121130000', 'kcm-20261121140000',
      ]);
    },
  },
  {
    name: 'allowMassDeletion lifts the cap',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 1 })] }),
      inventories: { primary: inventory(series('kcm', '2026-11-21T15:00:00Z', HOUR, 10)) },
      options: { allowMassDeletion: true },
    },
    actions: Array.from({ length: 9 }, (_, i) => `expire kcm-20261121${String(6 + i).padStart(2, '0')}0000: beyond keep 1 (deleteAfter ${GRACE_END})`),
    check: (p) => {
      expect(p.blocked).toEqual([]);
      expect(p.maxDeletionsPerTick).toBeNull();
    },
  },
  {
    name: 'maxDeletionsPerTick 3 caps deletes; the rest is reported, not dropped',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 1 })] }),
      inventories: {
        primary: inventory([
          backup('kcm', { slot: '2026-11-21T15:00:00Z' }),
          ...series('kcm', '2026-11-21T14:00:00Z', HOUR, 5, { expiry: { deleteAfter: at(-HOUR) } }),
        ]),
      },
      options: { maxDeletionsPerTick: 3 },
    },
    actions: [
      'delete kcm-20261121100000: expiry passed and still unwanted: beyond keep 1',
      'delete kcm-20261121110000: expiry passed and still unwanted: beyond keep 1',
      'delete kcm-20261121120000: expiry passed and still unwanted: beyond keep 1',
    ],
    blocked: ['would delete 5 backups, more than maxDeletionsPerTick 3: 3 now, 2 held back; pass --allow-mass-deletion'],
  },
  // ------------------------------------------------------------ removed policies
  {
    name: 'removed policy, deletionPolicy Retain: backups kept, marks lifted',
    input: {
      inventories: {
        primary: inventory([...series('old', '2026-11-21T15:00:00Z', HOUR, 2), backup('old', { slot: '2026-11-21T13:00:00Z', expiry: { deleteAfter: at(-HOUR) } })]),
      },
      removedPolicies: { old: { deletionPolicy: 'Retain' } },
    },
    actions: ['unexpire old-20261121130000: wanted again: policy removed, deletionPolicy Retain'],
    notes: ['policy old removed (deletionPolicy Retain): its 3 backups are retained'],
  },
  {
    name: 'orphans of an unknown policy are treated as Retain',
    input: { inventories: { primary: inventory(series('ghost', '2026-11-21T15:00:00Z', HOUR, 2)) } },
    actions: [],
    notes: ['policy ghost removed (no deletionPolicy known, so Retain)'],
  },
  {
    name: 'removed policy, deletionPolicy Delete: expire through its grace, except the last Completed',
    input: {
      inventories: {
        primary: inventory([...series('old', '2026-11-21T15:00:00Z', HOUR, 3), backup('old', { slot: '2026-11-21T12:00:00Z', phase: 'Failed' })]),
      },
      removedPolicies: { old: { deletionPolicy: 'Delete', gracePeriod: '1h' } },
    },
    actions: [
      'expire old-20261121120000: policy removed with deletionPolicy Delete (deleteAfter 2026-11-21T16:30:00Z)',
      'expire old-20261121130000: policy removed with deletionPolicy Delete (deleteAfter 2026-11-21T16:30:00Z)',
      'expire old-20261121140000: policy removed with deletionPolicy Delete (deleteAfter 2026-11-21T16:30:00Z)',
    ],
    notes: ['keep old-20261121150000: policy removed with deletionPolicy Delete, but the last Completed backup of a policy is never expired'],
  },
  {
    name: 'removed policy, deletionPolicy Delete, after the grace period: delete',
    input: {
      inventories: {
        primary: inventory([backup('old', { slot: '2026-11-21T15:00:00Z' }), backup('old', { slot: '2026-11-21T14:00:00Z', expiry: { deleteAfter: at(-HOUR) } })]),
      },
      removedPolicies: { old: { deletionPolicy: 'Delete' } },
    },
    actions: ['delete old-20261121140000: expiry passed and still unwanted: policy removed with deletionPolicy Delete'],
  },
  // ------------------------------------------------------------ invalid files
  {
    name: 'an invalid policy file freezes its backups, even under Delete',
    input: {
      repo: repo({ frozen: [{ kind: 'BackupPolicy', name: 'kcm', file: 'policies/kcm.yaml' }] }),
      inventories: { primary: inventory(series('kcm', '2026-11-21T15:00:00Z', HOUR, 3, { expiry: { deleteAfter: at(-HOUR) } })) },
      removedPolicies: { kcm: { deletionPolicy: 'Delete' } },
    },
    actions: [],
    notes: ['skip kcm: a file defining it is invalid, backups frozen'],
  },
  {
    name: 'a policy that is both loaded and named by an invalid file is frozen entirely',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 1 })], frozen: [{ kind: 'BackupPolicy', name: 'kcm', file: 'policies/dup.yaml' }] }),
      inventories: { primary: inventory(series('kcm', '2026-11-21T14:00:00Z', HOUR, 3)) },
    },
    actions: [],
    notes: ['skip kcm'],
    check: (p) => expect(p.policies[0].frozen).toBe(true),
  },
  {
    name: 'an invalid file with no readable name freezes all orphan handling, not the valid policies',
    input: {
      repo: repo({ policies: [policy('web', { schedule: '@hourly' })], frozen: [{ file: 'policies/broken.yaml' }] }),
      inventories: { primary: inventory(series('old', '2026-11-21T15:00:00Z', HOUR, 3, { expiry: { deleteAfter: at(-HOUR) } })) },
      removedPolicies: { old: { deletionPolicy: 'Delete' } },
    },
    actions: ['backup web-20261121150000: slot 2026-11-21 15:00 has no backup'],
    notes: ['skip backups of removed policies (old): policies/broken.yaml is invalid and its name unreadable'],
  },
  {
    name: 'an unnamed invalid file of another kind does not freeze orphans',
    input: {
      repo: repo({ frozen: [{ kind: 'RestoreRequest', file: 'restores/broken.yaml' }] }),
      inventories: { primary: inventory([backup('old', { slot: '2026-11-21T15:00:00Z' }), backup('old', { slot: '2026-11-21T14:00:00Z' })]) },
      removedPolicies: { old: { deletionPolicy: 'Delete' } },
    },
    actions: [`expire old-20261121140000: policy removed with deletionPolicy Delete (deleteAfter ${GRACE_END})`],
  },
  // ------------------------------------------------------------ locks and incomplete uploads
  {
    name: 'live lock: no new backup this tick',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly' })] }),
      inventories: { primary: inventory([], { locks: [lock('kcm', at(HOUR))] }) },
    },
    actions: [],
    notes: ['no new backup of kcm: backup in progress, held by engine-a until 2026-11-21T16:30:00Z'],
  },
  {
    name: 'expired lock is ignored and reported',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly' })] }),
      inventories: { primary: inventory([], { locks: [lock('kcm', at(-HOUR), 'engine-b')] }) },
    },
    actions: ['backup kcm-20261121150000: slot 2026-11-21 15:00 has no backup'],
    notes: ['lock of kcm held by engine-b expired at 2026-11-21T14:30:00Z: ignored'],
  },
  {
    name: 'incomplete upload older than 1h without a lock is cleaned',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly' })] }),
      inventories: { primary: inventory([backup('kcm', { slot: '2026-11-21T15:00:00Z' }), incomplete('kcm-20261121120000', at(-2 * HOUR))]) },
    },
    actions: ['clean incomplete upload kcm-20261121120000: no manifest, older than 1h'],
  },
  {
    name: 'incomplete upload under a live lock is left alone (still uploading)',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly' })] }),
      inventories: {
        primary: inventory([backup('kcm', { slot: '2026-11-21T15:00:00Z' }), incomplete('kcm-20261121120000', at(-2 * HOUR))], { locks: [lock('kcm', at(HOUR))] }),
      },
    },
    actions: [],
  },
  {
    name: 'crashed attempt of the due slot: not retried while its incomplete upload exists',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly' })] }),
      inventories: { primary: inventory([incomplete('kcm-20261121150000', at(-20 * 60_000))]) },
    },
    actions: [],
    notes: ['slot 2026-11-21 15:00: the attempt kcm-20261121150000 left an incomplete upload (no manifest, no live lock); retried once it is cleaned'],
  },
  {
    name: 'crashed attempt older than the clean-up limit: cleaned now, the slot is retried next tick',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@daily' })] }),
      inventories: { primary: inventory([incomplete('kcm-20261121000000', at(-3 * HOUR))]) },
      options: { incompleteCleanupAfterMs: 2 * HOUR },
    },
    actions: ['clean incomplete upload kcm-20261121000000: no manifest, older than 2h'],
  },
  // ------------------------------------------------------------ restores
  {
    name: 'restore pending: a restore action from the named backup',
    input: {
      repo: repo({ restores: [restore('rollback', { backupName: 'kcm-20261121150000' })] }),
      inventories: { primary: inventory([backup('kcm', { slot: '2026-11-21T15:00:00Z' })]) },
    },
    actions: ['restore rollback from kcm-20261121150000: not run yet'],
    check: (p) => expect(p.actions[0]).toEqual({ type: 'restore', restore: 'rollback', location: 'primary', backupName: 'kcm-20261121150000', reason: 'not run yet' }),
  },
  {
    name: 'restore done (its result is in storage): nothing',
    input: {
      repo: repo({ restores: [restore('rollback', { backupName: 'kcm-20261121150000' })] }),
      inventories: { primary: inventory([backup('kcm', { slot: '2026-11-21T15:00:00Z' })], { restores: ['rollback'] }) },
    },
    actions: [],
  },
  {
    name: 'restore by policy picks the latest Completed backup (at bounds it)',
    input: {
      repo: repo({ restores: [restore('latest', { policy: 'kcm' }), restore('before', { policy: 'kcm', at: '2026-11-21T13:30:00Z' })] }),
      inventories: {
        primary: inventory([
          backup('kcm', { slot: '2026-11-21T15:00:00Z', phase: 'Failed' }),
          backup('kcm', { slot: '2026-11-21T14:00:00Z' }),
          backup('kcm', { slot: '2026-11-21T13:00:00Z' }),
        ]),
      },
      removedPolicies: {},
    },
    actions: [
      'restore before from kcm-20261121130000: not run yet; latest Completed backup of kcm at or before 2026-11-21T13:30:00Z',
      'restore latest from kcm-20261121140000: not run yet; latest Completed backup of kcm',
    ],
  },
  {
    name: 'restore of a backup not in storage waits',
    input: { repo: repo({ restores: [restore('rollback', { backupName: 'kcm-missing' })] }) },
    actions: [],
    notes: ['restore rollback waits: backup kcm-missing is not in any observed location'],
  },
  {
    name: 'restore of a Failed backup is blocked',
    input: {
      repo: repo({ restores: [restore('rollback', { backupName: 'kcm-20261121150000' })] }),
      inventories: { primary: inventory([backup('kcm', { slot: '2026-11-21T15:00:00Z', phase: 'Failed' })]) },
    },
    actions: [],
    blocked: ['restore rollback: backup kcm-20261121150000 Failed and cannot be restored'],
  },
  {
    name: 'a backup a restore reads this tick is not expired this tick',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 1 })], restores: [restore('rollback', { backupName: 'kcm-20261121130000' })] }),
      inventories: { primary: inventory(series('kcm', '2026-11-21T15:00:00Z', HOUR, 3)) },
    },
    actions: ['restore rollback from kcm-20261121130000: not run yet', `expire kcm-20261121140000: beyond keep 1 (deleteAfter ${GRACE_END})`],
    notes: ['kcm-20261121130000 unwanted (beyond keep 1) but restore rollback reads it this tick: left alone'],
  },
  {
    name: 'pre-restore safety backups are outside retention and do not satisfy slots',
    input: {
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 1 })] }),
      inventories: {
        primary: inventory([
          backup('kcm', { slot: '2026-11-21T14:00:00Z' }),
          backup('kcm', { slot: '2026-11-21T10:00:00Z', preRestoreFor: 'rollback' }),
          backup('kcm', { slot: '2026-11-21T09:00:00Z', preRestoreFor: 'rollback' }),
        ]),
      },
    },
    actions: ['backup kcm-20261121150000: slot 2026-11-21 15:00 has no backup'],
  },
  // ------------------------------------------------------------ locations, bad specs, order
  {
    name: 'retention spans locations: a policy moved to another location',
    input: {
      repo: repo({ locations: [location('primary'), location('secondary', false)], policies: [policy('kcm', { schedule: '@hourly', location: 'secondary', keep: 3 })] }),
      inventories: {
        primary: inventory(series('kcm', '2026-11-21T13:00:00Z', HOUR, 3)),
        secondary: inventory(series('kcm', '2026-11-21T15:00:00Z', HOUR, 2), { location: 'secondary' }),
      },
    },
    actions: [`expire kcm-20261121110000: beyond keep 3 (deleteAfter ${GRACE_END})`, `expire kcm-20261121120000: beyond keep 3 (deleteAfter ${GRACE_END})`],
    check: (p) => expect(p.actions.every((a) => a.type === 'expire' && a.location === 'primary')).toBe(true),
  },
  {
    name: 'location not observed this tick: the policy is blocked, nothing guessed',
    input: { repo: repo({ locations: [location('primary'), location('secondary', false)], policies: [policy('kcm', { schedule: '@hourly', location: 'secondary' })] }) },
    actions: [],
    blocked: ['policy kcm: location secondary was not observed this tick'],
  },
  {
    name: 'a schedule the plan cannot read is blocked with the parser message',
    input: { repo: repo({ policies: [policy('kcm', { schedule: '* * * *' })] }) },
    actions: [],
    blocked: ['policy kcm: cron expression "* * * *" has 4 fields'],
  },
  {
    name: 'a trigger that cannot form a backup name is blocked',
    input: { repo: repo({ policies: [policy('kcm', { trigger: 'a/b' })] }) },
    actions: [],
    blocked: ['trigger "a/b" of policy "kcm" cannot form a backup name'],
  },
  {
    name: 'order: creates, restores, expiries, deletes, clean-ups',
    input: {
      repo: repo({
        policies: [policy('web', { schedule: '@hourly', keep: 2 }), policy('app', { schedule: '@hourly' })],
        restores: [restore('r1', { backupName: 'web-20261121140000' })],
      }),
      inventories: {
        primary: inventory([
          ...series('web', '2026-11-21T14:00:00Z', HOUR, 3),
          backup('web', { slot: '2026-11-21T10:00:00Z', expiry: { deleteAfter: at(-HOUR) } }),
          incomplete('app-20261121010000', at(-5 * HOUR)),
        ]),
      },
    },
    actions: [
      'backup app-20261121150000: slot 2026-11-21 15:00 has no backup',
      'backup web-20261121150000: slot 2026-11-21 15:00 has no backup',
      'restore r1 from web-20261121140000: not run yet',
      `expire web-20261121120000: beyond keep 2 (deleteAfter ${GRACE_END})`,
      'delete web-20261121100000: expiry passed and still unwanted: beyond keep 2',
      'clean incomplete upload app-20261121010000: no manifest, older than 1h',
    ],
  },
];

describe('computePlan', () => {
  it('has at least 30 table cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  for (const c of cases) {
    it(c.name, () => {
      const p = plan(c.input);
      expect(p.actions.map(describeAction)).toEqual(c.actions);
      for (const n of c.notes ?? []) expect(p.notes.map((x) => x.message).join('\n')).toContain(n);
      for (const bl of c.blocked ?? []) expect(p.blocked.map((x) => x.message).join('\n')).toContain(bl);
      if (!c.blocked) expect(p.blocked.filter((x) => x.code === 'mass-deletion')).toEqual([]);
      c.check?.(p);
    });
  }

  it('is deterministic: the order of listings and locations does not change the plan', () => {
    const policies = [policy('kcm', { schedule: '@hourly', keep: 2 }), policy('web', { schedule: '@daily', ttl: '24h' })];
    const primary = [
      ...series('kcm', '2026-11-21T14:00:00Z', HOUR, 4),
      ...series('web', '2026-11-21T00:00:00Z', 24 * HOUR, 3, { expiry: { deleteAfter: at(-HOUR) } }),
      incomplete('kcm-20261120000000', at(-3 * HOUR)),
    ];
    const secondary = series('kcm', '2026-11-20T14:00:00Z', HOUR, 2);
    const locations = [location('primary'), location('secondary', false)];
    const a = plan({
      repo: repo({ locations, policies }),
      inventories: { primary: inventory(primary), secondary: inventory(secondary, { location: 'secondary' }) },
    });
    const b = plan({
      repo: repo({ locations: [...locations].reverse(), policies: [...policies].reverse() }),
      inventories: { secondary: inventory([...secondary].reverse(), { location: 'secondary' }), primary: inventory([...primary].reverse()) },
    });
    expect(a.actions.length).toBeGreaterThan(4);
    expect(formatPlan(b, 'json')).toBe(formatPlan(a, 'json'));
  });

  it('does not modify its input', () => {
    const inv = inventory(series('kcm', '2026-11-21T15:00:00Z', HOUR, 5));
    const before = JSON.stringify(inv);
    plan({ repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 1 })] }), inventories: { primary: inv } });
    expect(JSON.stringify(inv)).toBe(before);
  });

  it('treats optional policy fields as their documented defaults (grace 24h, failedBackupTTL 72h, Retain)', () => {
    const p = plan({
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly', keep: 1 })] }),
      inventories: {
        primary: inventory([
          backup('kcm', { slot: '2026-11-21T15:00:00Z' }),
          backup('kcm', { slot: '2026-11-18T16:00:00Z', phase: 'Failed' }), // completed 71h25m ago
          backup('kcm', { slot: '2026-11-18T15:00:00Z', phase: 'Failed' }), // completed 72h25m ago
        ]),
      },
    });
    expect(p.actions.map(describeAction)).toEqual([
      `expire kcm-20261118150000: Failed and older than failedBackupTTL 72h (failed backups never count toward keep) (deleteAfter ${GRACE_END})`,
    ]);
  });
});
