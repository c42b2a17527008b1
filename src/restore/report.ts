// Renders a RestoreResult for people: a summary, a table of actions per group-resource, and
// the items worth reading (failures, and for dry runs every planned change with its diff).
// Pure; the CLI prints it, the reconciler can put it in a status file.
import { stringifyExact } from '../exact-json.ts';
import type { FieldChange, RestoreItemResult, RestoreResult } from './types.ts';

const COLUMNS = ['created', 'updated', 'unchanged', 'skipped', 'failed'] as const;
type Column = (typeof COLUMNS)[number];

function column(action: RestoreItemResult['action']): Column {
  switch (action) {
    case 'created':
    case 'create':
      return 'created';
    case 'updated':
    case 'update':
      return 'updated';
    case 'unchanged':
      return 'unchanged';
    case 'skipped':
    case 'skip':
      return 'skipped';
    default:
      return 'failed';
  }
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
}

function itemName(i: RestoreItemResult): string {
  return `${i.groupResource}/${i.namespace ? `${i.namespace}/` : ''}${i.name}`;
}

function showValue(v: unknown): string {
  return stringifyExact(v);
}

function diffLine(c: FieldChange): string {
  if (c.op === 'add') return `      + ${c.path}${'new' in c ? ` = ${showValue(c.new)}` : ''}`;
  if (c.op === 'remove') return `      - ${c.path}${'old' in c ? ` (was ${showValue(c.old)})` : ''}`;
  const values = 'old' in c || 'new' in c ? `: ${'old' in c ? showValue(c.old) : '…'} → ${'new' in c ? showValue(c.new) : '…'}` : '';
  return `      ~ ${c.path}${values}`;
}

export function renderRestoreText(result: RestoreResult): string {
  const lines: string[] = [];
  const headline = result.dryRun ? `restore ${result.name} (dry run)` : `restore ${result.name}`;
  lines.push(`${headline}: ${result.phase}`);
  lines.push(`  backup: ${result.backup ?? '-'}   location: ${result.location ?? '-'}   cluster: ${result.cluster}`);
  if (result.preRestoreBackup) lines.push(`  pre-restore backup: ${result.preRestoreBackup} (restore it to undo this restore)`);

  const byGr = new Map<string, Record<Column, number>>();
  for (const item of result.items) {
    const row = byGr.get(item.groupResource) ?? { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 };
    row[column(item.action)]++;
    byGr.set(item.groupResource, row);
  }
  if (byGr.size) {
    const head = result.dryRun ? ['RESOURCE', 'CREATE', 'UPDATE', 'UNCHANGED', 'SKIP', 'FAILED'] : ['RESOURCE', 'CREATED', 'UPDATED', 'UNCHANGED', 'SKIPPED', 'FAILED'];
    const rows = [...byGr].map(([gr, c]) => [gr, ...COLUMNS.map((k) => String(c[k]))]);
    const total = result.counts;
    rows.push(['TOTAL', ...COLUMNS.map((k) => String(total[k]))]);
    lines.push('', ...table([head, ...rows]).map((l) => `  ${l}`));
  }

  const interesting = result.items.filter((i) => column(i.action) === 'failed' || (result.dryRun && (i.action === 'update' || i.action === 'create' || i.differs)) || (!result.dryRun && i.differs && i.action === 'skipped') || (i.reason?.startsWith('managed by ') ?? false));
  if (interesting.length) {
    lines.push('');
    for (const i of interesting) {
      const detail = i.error ?? i.reason ?? (i.differs ? 'differs from the backup' : '');
      lines.push(`  ${i.action.padEnd(9)} ${itemName(i)}${detail ? `: ${detail}` : ''}`);
      for (const c of i.diff ?? []) lines.push(diffLine(c));
    }
  }
  for (const w of result.warnings) lines.push(`  warning: ${w}`);
  for (const e of result.errors) lines.push(`  error: ${e}`);
  return `${lines.join('\n')}\n`;
}
