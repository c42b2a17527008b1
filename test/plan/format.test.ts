import { describe, expect, it } from 'vitest';
import { computePlan, formatPlan, summarizePlan, summaryLine } from '../../src/plan/index.ts';
import { at, backup, HOUR, inventory, NOW, policy, repo, series } from './fixtures.ts';

function samplePlan() {
  return computePlan({
    repo: repo({
      policies: [policy('kcm', { schedule: '@hourly', keep: 2 })],
      errors: [{ code: 'schema', file: 'policies/bad|name.yaml', line: 3, col: 5, path: 'spec.keep', message: 'must be integer' }],
      frozen: [{ kind: 'BackupPolicy', name: 'bad', file: 'policies/bad|name.yaml' }],
    }),
    revision: '0123456789abcdef0123456789abcdef01234567',
    inventories: {
      primary: inventory([
        ...series('kcm', '2026-11-21T14:00:00Z', HOUR, 3),
        backup('kcm', { slot: '2026-11-21T10:00:00Z', expiry: { deleteAfter: at(-HOUR) } }),
      ]),
    },
    now: NOW,
    options: { maxDeletionsPerTick: 10 },
  });
}

describe('plan formats', () => {
  it('summarizes counts, and "no changes" for an empty plan', () => {
    const p = samplePlan();
    expect(summarizePlan(p)).toEqual({ backups: 1, restores: 0, unexpiries: 0, expiries: 1, deletes: 1, cleanups: 0, blocked: 0, notes: 0, invalidFiles: 1, total: 3 });
    expect(summaryLine(summarizePlan(p))).toBe('1 backup, 1 expiry, 1 deletion');
    const empty = computePlan({ repo: repo(), revision: 'r', inventories: { primary: inventory([]) }, now: NOW });
    expect(summaryLine(summarizePlan(empty))).toBe('no changes');
    expect(summarizePlan(empty).total).toBe(0);
  });

  it('text: one line per action with its reason, then invalid files', () => {
    const text = formatPlan(samplePlan(), 'text');
    expect(text.split('\n')).toEqual([
      'Plan at 0123456789ab (2026-11-21T15:30:00Z): 1 backup, 1 expiry, 1 deletion',
      '  backup kcm-20261121150000: slot 2026-11-21 15:00 has no backup',
      '  expire kcm-20261121120000: beyond keep 2 (deleteAfter 2026-11-22T15:30:00Z)',
      '  delete kcm-20261121100000: expiry passed and still unwanted: beyond keep 2',
      'Invalid files:',
      '  policies/bad|name.yaml:3:5: spec.keep: must be integer',
      '',
    ]);
  });

  it('json: a plain object that parses back, with descriptions', () => {
    const p = samplePlan();
    const parsed = JSON.parse(formatPlan(p, 'json'));
    expect(parsed.summary.total).toBe(3);
    expect(parsed.actions[0]).toEqual({ ...p.actions[0], description: 'backup kcm-20261121150000: slot 2026-11-21 15:00 has no backup' });
    expect(parsed.errors).toEqual(p.errors);
    expect(parsed.revision).toBe('0123456789abcdef0123456789abcdef01234567');
  });

  it('markdown: heading, a table of actions with reasons, invalid files; pipes escaped', () => {
    const md = formatPlan(samplePlan(), 'markdown');
    const lines = md.split('\n');
    expect(lines[0]).toBe('### cairn plan: 1 backup, 1 expiry, 1 deletion');
    expect(lines).toContain('| Action | Target | Location | Reason |');
    expect(lines).toContain('| backup | `kcm-20261121150000` | primary | slot 2026-11-21 15:00 has no backup |');
    expect(lines).toContain('| expire | `kcm-20261121120000` | primary | beyond keep 2 (deleteAfter 2026-11-22T15:30:00Z) |');
    expect(lines).toContain('- `policies/bad\\|name.yaml:3:5` `spec.keep`: must be integer');
  });

  it('text hides routine "slot already has its backup" notes but shows a Failed slot', () => {
    const p = computePlan({
      repo: repo({ policies: [policy('kcm', { schedule: '@hourly' }), policy('web', { schedule: '@hourly' })] }),
      revision: 'r',
      inventories: { primary: inventory([backup('kcm', { slot: '2026-11-21T15:00:00Z' }), backup('web', { slot: '2026-11-21T15:00:00Z', phase: 'Failed' })]) },
      now: NOW,
    });
    expect(p.notes.map((n) => n.code)).toEqual(['satisfied', 'slot-failed']);
    const text = formatPlan(p, 'text');
    expect(text).not.toContain('already has kcm-20261121150000');
    expect(text).toContain('slot 2026-11-21 15:00 already attempted: web-20261121150000 Failed; not retried automatically');
    expect(JSON.parse(formatPlan(p, 'json')).notes).toHaveLength(2);
  });
});
