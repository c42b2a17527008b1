// `cairn audit`: cairn's status commits read back from their trailers (DESIGN §4). The git call
// lives in repo.ts; this module is the pure part — the log format, parsing and filtering.

export interface AuditAction {
  /** First word of the Cairn-Action trailer: backup, expire, delete, restore, policy, ... */
  verb: string;
  /** Second word: a backup name (`<policy>-<slot|trigger>`), a restore or policy name. */
  object: string;
  /** The rest of the line: Completed, Failed, "beyond keep 20", ... */
  result: string;
}

export interface AuditEntry {
  commit: string;
  /** Committer date, ISO 8601 (strict). */
  date: string;
  author: string;
  subject: string;
  /** The Cairn-Revision trailer: the policy revision the tick acted on. */
  revision?: string;
  actions: AuditAction[];
}

export interface AuditFilter {
  /** Keep actions on this policy: `policy <name>` and backups named `<name>-…`. */
  policy?: string;
  /**
   * Other policies' names. A backup name does not say where the policy name ends, so
   * `kcm-nightly-20261121060000` is left to a policy `kcm-nightly`, when there is one, rather
   * than counted as `kcm`'s.
   */
  otherPolicies?: readonly string[];
  /** Keep actions on this RestoreRequest. */
  restore?: string;
  /** At most this many entries, newest first. */
  limit?: number;
}

const FIELD = '\x1f';
const RECORD = '\x1e';
const VALUE = '\x1d';

/** `git log` arguments producing one record per commit that `parseAuditLog` reads. */
export function auditLogArgs(): string[] {
  const trailer = (key: string) => `%(trailers:key=${key},valueonly,unfold,separator=%x1d)`;
  const format = ['%H', '%cI', '%an', '%s', trailer('Cairn-Revision'), trailer('Cairn-Action')].join('%x1f') + '%x1e';
  // --grep narrows the walk to cairn's commits cheaply; parseAuditLog keeps only real trailers.
  return ['log', `--format=${format}`, '--grep=^Cairn-\\(Revision\\|Action\\): '];
}

export function parseAction(line: string): AuditAction {
  const [verb = '', object = '', ...rest] = line.trim().split(/\s+/);
  return { verb, object, result: rest.join(' ') };
}

export function parseAuditLog(output: string): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (const raw of output.split(RECORD)) {
    const record = raw.replace(/^\n+/, '');
    if (record.trim() === '') continue;
    const [commit, date, author, subject, revision, actions] = record.split(FIELD);
    const actionLines = (actions ?? '').split(VALUE).map((s) => s.trim()).filter((s) => s !== '');
    const rev = (revision ?? '').split(VALUE)[0]?.trim();
    if (!rev && actionLines.length === 0) continue; // matched --grep in prose, not a trailer
    entries.push({ commit, date, author, subject, revision: rev || undefined, actions: actionLines.map(parseAction) });
  }
  return entries;
}

function concernsPolicy(action: AuditAction, policy: string, longer: readonly string[]): boolean {
  // Backup names are `<policy>-<YYYYMMDDhhmmss>` or `<policy>-<trigger>`; policy-level actions
  // (e.g. "policy kcm invalid") name the policy itself. The longest policy name that fits wins.
  const names = (p: string) => action.object === p || action.object.startsWith(`${p}-`);
  return names(policy) && !longer.some(names);
}

/** Keeps the entries with at least one matching action, each narrowed to its matching actions. */
export function filterAudit(entries: AuditEntry[], filter: AuditFilter): AuditEntry[] {
  const { policy, restore, limit } = filter;
  const longer = policy === undefined ? [] : (filter.otherPolicies ?? []).filter((p) => p.startsWith(`${policy}-`));
  const out: AuditEntry[] = [];
  for (const entry of entries) {
    if (limit !== undefined && out.length >= limit) break;
    let actions = entry.actions;
    if (policy !== undefined) actions = actions.filter((a) => concernsPolicy(a, policy, longer));
    if (restore !== undefined) actions = actions.filter((a) => a.object === restore);
    if ((policy !== undefined || restore !== undefined) && actions.length === 0) continue;
    out.push({ ...entry, actions });
  }
  return out;
}
