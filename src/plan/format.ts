// How a plan reads: one line per action ("backup kcm-20261121060000: slot 2026-11-21 06:00 has
// no backup"), counts for `--detailed-exitcode` and commit subjects, and the three formats of
// `cairn plan`. JSON is JSON.stringify of a plain object.
import type { Plan, PlanAction, PlanFormat, PlanSummary } from './types.ts';

/** The one-line, human form of an action. */
export function describeAction(a: PlanAction): string {
  switch (a.type) {
    case 'backup':
      // The same verb as markdown plans and commit bodies.
      return `backup ${a.backupName}: ${a.reason}`;
    case 'restore':
      return `restore ${a.restore} from ${a.backupName}: ${a.reason}`;
    case 'unexpire':
      return `unexpire ${a.backup}: ${a.reason}`;
    case 'expire':
      return `expire ${a.backup}: ${a.reason} (deleteAfter ${a.deleteAfter})`;
    case 'delete':
      return `delete ${a.backup}: ${a.reason}`;
    case 'cleanupIncomplete':
      return `clean incomplete upload ${a.backup}: ${a.reason}`;
  }
}

export function summarizePlan(plan: Plan): PlanSummary {
  const count = (t: PlanAction['type']) => plan.actions.filter((a) => a.type === t).length;
  return {
    backups: count('backup'),
    restores: count('restore'),
    unexpiries: count('unexpire'),
    expiries: count('expire'),
    deletes: count('delete'),
    cleanups: count('cleanupIncomplete'),
    blocked: plan.blocked.length,
    notes: plan.notes.length,
    invalidFiles: new Set(plan.errors.map((e) => e.file)).size,
    total: plan.actions.length,
  };
}

/** "2 backups, 1 expiry, 1 restore" — or "no changes". */
export function summaryLine(s: PlanSummary): string {
  const parts: [number, string, string][] = [
    [s.backups, 'backup', 'backups'],
    [s.restores, 'restore', 'restores'],
    [s.unexpiries, 'unexpiry', 'unexpiries'],
    [s.expiries, 'expiry', 'expiries'],
    [s.deletes, 'deletion', 'deletions'],
    [s.cleanups, 'incomplete clean-up', 'incomplete clean-ups'],
  ];
  const text = parts.filter(([n]) => n > 0).map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  return text.length > 0 ? text.join(', ') : 'no changes';
}

export function formatPlan(plan: Plan, format: PlanFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(planJson(plan), null, 2);
    case 'markdown':
      return planMarkdown(plan);
    case 'text':
      return planText(plan);
  }
}

/** Notes worth printing: routine "slot already has its backup" lines stay in JSON only. */
function shownNotes(plan: Plan): Plan['notes'] {
  return plan.notes.filter((n) => n.code !== 'satisfied');
}

function planJson(plan: Plan): object {
  return {
    revision: plan.revision,
    now: plan.now,
    summary: summarizePlan(plan),
    actions: plan.actions.map((a) => ({ ...a, description: describeAction(a) })),
    blocked: plan.blocked,
    notes: plan.notes,
    policies: plan.policies,
    errors: plan.errors,
    maxDeletionsPerTick: plan.maxDeletionsPerTick,
  };
}

function planText(plan: Plan): string {
  const lines = [`Plan at ${shortRev(plan.revision)} (${plan.now}): ${summaryLine(summarizePlan(plan))}`];
  for (const a of plan.actions) lines.push(`  ${describeAction(a)}`);
  if (plan.blocked.length > 0) {
    lines.push('Blocked:');
    for (const bl of plan.blocked) lines.push(`  ${bl.message}`);
  }
  if (plan.errors.length > 0) {
    lines.push('Invalid files:');
    for (const e of plan.errors) lines.push(`  ${e.file}:${e.line}:${e.col}: ${e.path ? `${e.path}: ` : ''}${e.message}`);
  }
  const notes = shownNotes(plan);
  if (notes.length > 0) {
    lines.push('Notes:');
    for (const n of notes) lines.push(`  ${n.message}`);
  }
  return `${lines.join('\n')}\n`;
}

function planMarkdown(plan: Plan): string {
  const s = summarizePlan(plan);
  const out = [`### cairn plan: ${summaryLine(s)}`, '', `Revision \`${shortRev(plan.revision)}\`, computed for ${plan.now}.`, ''];
  if (plan.actions.length > 0) {
    out.push('| Action | Target | Location | Reason |', '| --- | --- | --- | --- |');
    for (const a of plan.actions) {
      out.push(`| ${a.type} | \`${md(target(a))}\` | ${md(a.location)} | ${md(reasonOf(a))} |`);
    }
    out.push('');
  }
  if (plan.blocked.length > 0) {
    out.push('**Blocked**', '');
    for (const bl of plan.blocked) out.push(`- ${md(bl.message)}`);
    out.push('');
  }
  if (plan.errors.length > 0) {
    out.push('**Invalid files** (their objects are frozen, never read as deleted)', '');
    for (const e of plan.errors) {
      out.push(`- \`${md(e.file)}:${e.line}:${e.col}\`${e.path ? ` \`${md(e.path)}\`` : ''}: ${md(e.message)}`);
    }
    out.push('');
  }
  const notes = shownNotes(plan);
  if (notes.length > 0) {
    out.push('<details><summary>Notes</summary>', '');
    for (const n of notes) out.push(`- ${md(n.message)}`);
    out.push('', '</details>', '');
  }
  return `${out.join('\n')}`;
}

function target(a: PlanAction): string {
  switch (a.type) {
    case 'backup':
      return a.backupName;
    case 'restore':
      return `${a.restore} ← ${a.backupName}`;
    default:
      return a.backup;
  }
}

function reasonOf(a: PlanAction): string {
  return a.type === 'expire' ? `${a.reason} (deleteAfter ${a.deleteAfter})` : a.reason;
}

/** Escapes what would break a Markdown table cell. */
function md(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function shortRev(rev: string): string {
  return /^[0-9a-f]{40}$/.test(rev) ? rev.slice(0, 12) : rev;
}
