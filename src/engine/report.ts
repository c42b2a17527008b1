// The tick's commit message (DESIGN §4): a subject that counts what happened, one body line per
// action, and trailers `git log --grep` and `cairn audit` read back.
import type { ValidationError } from '../api/types.ts';
import { actionObject, type ActionResult } from './results.ts';

export interface CommitMessage {
  subject: string;
  body: string[];
  trailers: [string, string][];
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** e.g. "cairn: 2 backups completed, 1 expired, 1 restore completed". */
export function commitSubject(results: ActionResult[], errors: ValidationError[]): string {
  const count = (type: string, outcomes: string[]) => results.filter((r) => r.action.type === type && outcomes.includes(r.outcome)).length;
  const parts: string[] = [];
  const push = (n: number, text: (n: number) => string) => n > 0 && parts.push(text(n));
  push(count('backup', ['Completed']), (n) => `${plural(n, 'backup')} completed`);
  push(count('backup', ['PartiallyFailed']), (n) => `${plural(n, 'backup')} partially failed`);
  push(count('backup', ['Failed']), (n) => `${plural(n, 'backup')} failed`);
  push(count('restore', ['Completed']), (n) => `${plural(n, 'restore')} completed`);
  push(count('restore', ['PartiallyFailed']), (n) => `${plural(n, 'restore')} partially failed`);
  push(count('restore', ['Failed', 'FailedValidation']), (n) => `${plural(n, 'restore')} failed`);
  push(count('expire', ['Expiring']), (n) => `${n} expired`);
  push(count('unexpire', ['Unexpired']), (n) => `${n} kept again`);
  push(count('delete', ['Deleted']), (n) => `${n} deleted`);
  push(count('cleanupIncomplete', ['Cleaned']), (n) => `${plural(n, 'incomplete upload')} cleaned`);
  const failedOther = results.filter((r) => !['backup', 'restore'].includes(r.action.type) && r.outcome === 'Failed').length;
  push(failedOther, (n) => `${plural(n, 'action')} failed`);
  if (errors.length) {
    const files = new Set(errors.map((e) => e.file)).size;
    parts.push(`${plural(files, 'invalid file')}`);
  }
  return `cairn: ${parts.length ? parts.join(', ') : 'status updated'}`;
}

/** One line per action: "backup kcm-20261121060000 Completed (412 items): slot … has no backup". */
export function bodyLine(r: ActionResult): string {
  const etcd = r.manifest?.etcd;
  const extra = etcd
    ? ` (etcd snapshot of ${etcd.member.name || etcd.member.endpoint} at revision ${etcd.revision}, ${etcd.snapshotSize} bytes)`
    : r.manifest
      ? ` (${r.manifest.type === 'etcd' ? 'no etcd snapshot' : `${r.manifest.totalItems} items`})`
      : r.restore
        ? ` (${r.restore.counts.total} items)`
        : '';
  const why = r.message && r.outcome !== 'Completed' ? `: ${r.message}` : `: ${r.action.reason}`;
  return `${actionObject(r.action)} ${r.outcome}${extra}${why}`.replace(/\s+/g, " ");
}

export function commitMessage(results: ActionResult[], errors: ValidationError[], sourceRevision: string): CommitMessage {
  const body = results.map(bodyLine);
  if (errors.length) {
    for (const e of errors) body.push(`invalid ${e.file}:${e.line}:${e.col}: ${e.path ? `${e.path}: ` : ''}${e.message}`);
  }
  const trailers: [string, string][] = [['Cairn-Revision', sourceRevision]];
  for (const r of results) trailers.push(['Cairn-Action', `${actionObject(r.action)} ${r.outcome}`]);
  return { subject: commitSubject(results, errors), body, trailers };
}
