// Status written back to Git (DESIGN §4) — pure: data in, file contents out.
// status/policies/<name>.yaml, status/restores/<name>.yaml, status/errors.yaml.
// Everything here must be a function of state, not of the tick's wall time, so a steady tick
// renders byte-identical files and makes no commit. Times that appear are event times
// (a backup's completion, a condition's transition), carried over while nothing changes.
import { conditionReason } from '../errors.ts';
import { DEFAULT_GRACE_PERIOD } from '../schedule/retention.ts';
import { stringify } from 'yaml';
import type { BackupPolicy, PolicyRepository, RestoreRequest, ValidationError } from '../api/types.ts';
import { API_VERSION } from '../api/types.ts';
import type { Plan, RemovedPolicy } from '../plan/types.ts';
import type { EtcdSnapshotInfo, Inventory, InventoryBackup } from '../storage/types.ts';
import type { RestoreResult } from '../restore/types.ts';
import { restoreSpecHash } from '../restore/spec-hash.ts';
import { actionPolicy, type ActionResult } from './results.ts';
import { incompleteMessage, storedBytes } from '../storage/manifest.ts';

/** Most history rows kept per policy; deleted backups are dropped first. */
export const HISTORY_LIMIT = 50;

export interface Condition {
  type: 'Ready' | 'Reconciling' | 'Stalled';
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface BackupHistoryEntry {
  name: string;
  scheduledTime?: string;
  trigger?: string;
  phase: string;
  startTime?: string;
  completionTime?: string;
  items?: number;
  bytes?: number;
  message?: string;
  /** An etcd backup: where its snapshot came from and what it holds (storage EtcdSnapshotInfo). */
  etcd?: { version: string; clusterId: string; member: string; memberId: string; revision: number; dbSize: number; snapshotSize: number; durationSeconds: number };
  /** Expiring (marked, within grace) or Deleted. */
  deletePhase?: 'Expiring' | 'Deleted';
  deleteAfter?: string;
  deleteTime?: string;
}

export interface PolicyStatus {
  location?: string;
  lastAttemptedRevision: string;
  lastAppliedRevision?: string;
  nextScheduledTime?: string;
  /** Remembered so the engine can honour them once the policy file is removed. */
  deletionPolicy: 'Retain' | 'Delete';
  gracePeriod: string;
  removed?: boolean;
  conditions: Condition[];
  lastBackups: BackupHistoryEntry[];
}

export interface RestoreStatus {
  phase: string;
  backupName?: string;
  location?: string;
  specHash?: string;
  dryRun?: boolean;
  startTime?: string;
  completionTime?: string;
  preRestoreBackup?: string;
  counts?: RestoreResult['counts'];
  /** The spec was edited after the restore ran: reported, never re-run. */
  specChanged?: boolean;
  message?: string;
  /** Dry runs: the items that would change, with the changed fields. */
  changes?: { action: string; object: string; fields?: string[] }[];
  errors?: string[];
  /** An etcd backup: the verification, and the command to run on each member. */
  etcd?: RestoreResult['etcd'];
  conditions: Condition[];
}

export interface StatusDoc<S> {
  apiVersion: typeof API_VERSION;
  kind: 'BackupPolicyStatus' | 'RestoreRequestStatus' | 'ValidationErrors';
  metadata: { name: string };
  status: S;
}

export const statusPaths = {
  policy: (name: string) => `status/policies/${name}.yaml`,
  restore: (name: string) => `status/restores/${name}.yaml`,
  errors: 'status/errors.yaml',
};

export interface StatusInput {
  repo: PolicyRepository;
  plan: Plan;
  /** Inventories after the tick's actions (the engine's cache). */
  inventories: Record<string, Inventory>;
  results: ActionResult[];
  /** Previous status documents by path (parsed). */
  previous: Map<string, StatusDoc<unknown>>;
  /** Restore results known in storage, by restore name. */
  restoreResults: ReadonlyMap<string, RestoreResult>;
  sourceRevision: string;
  now: Date;
}

const HEADER = '# Written by cairn. Do not edit: the next tick overwrites it.\n';

export function renderStatus(doc: StatusDoc<unknown>): string {
  return HEADER + stringify(doc, { lineWidth: 0 });
}

/** Renders one status document; the engine passes a memoizing one (render-memo.ts). */
export type StatusRender = (path: string, doc: StatusDoc<unknown>) => string;

/** Computes every status file; returns path → content, and null for files to remove. */
export function buildStatus(input: StatusInput, render: StatusRender = (_path, doc) => renderStatus(doc)): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const [path, doc] of buildStatusDocs(input)) out.set(path, doc === null ? null : render(path, doc));
  return out;
}

/** Computes every status document; returns path → document, and null for files to remove. */
export function buildStatusDocs(input: StatusInput): Map<string, StatusDoc<unknown> | null> {
  const out = new Map<string, StatusDoc<unknown> | null>();
  const byPolicy = backupsByPolicy(input.inventories);
  const index = indexPlan(input);
  const seen = new Set<string>();

  for (const policy of input.repo.policies) {
    const path = statusPaths.policy(policy.metadata.name);
    seen.add(path);
    out.set(path, policyDoc(policy.metadata.name, policyStatus(policy, byPolicy.get(policy.metadata.name) ?? [], input, index)));
  }
  for (const f of input.repo.frozen) {
    if (f.kind !== 'BackupPolicy' || !f.name) continue;
    const path = statusPaths.policy(f.name);
    if (seen.has(path)) continue;
    seen.add(path);
    out.set(path, policyDoc(f.name, frozenStatus(f.name, f.file, input)));
  }
  // Policies whose files were removed: keep reporting while any of their backups remain.
  for (const [path, doc] of input.previous) {
    if (!path.startsWith('status/policies/') || seen.has(path)) continue;
    const name = doc.metadata.name;
    const backups = byPolicy.get(name) ?? [];
    if (backups.length === 0) {
      out.set(path, null);
      continue;
    }
    out.set(path, policyDoc(name, removedStatus(name, doc as StatusDoc<PolicyStatus>, backups, input, index)));
  }

  const restoreSeen = new Set<string>();
  for (const req of input.repo.restores) {
    const path = statusPaths.restore(req.metadata.name);
    restoreSeen.add(path);
    const status = restoreStatus(req, input);
    if (status) out.set(path, { apiVersion: API_VERSION, kind: 'RestoreRequestStatus', metadata: { name: req.metadata.name }, status });
  }
  // A removed RestoreRequest keeps its status: `git revert` removes the request, not its effect,
  // and the record of what ran (and its safety backup) is what undoes it.
  for (const [path, doc] of input.previous) {
    if (path.startsWith('status/restores/') && !restoreSeen.has(path)) out.set(path, doc);
  }

  out.set(statusPaths.errors, input.repo.errors.length ? errorsDoc(input.repo.errors) : null);
  return out;
}

/** The plan's and results' entries grouped by policy once, so each policy's status is O(its own). */
interface PlanIndex {
  schedules: Map<string, Plan['policies'][number]>;
  blocked: Map<string, Plan['blocked']>;
  inProgress: Map<string, Plan['notes'][number]>;
  results: Map<string, ActionResult[]>;
}

function indexPlan(input: StatusInput): PlanIndex {
  const index: PlanIndex = { schedules: new Map(), blocked: new Map(), inProgress: new Map(), results: new Map() };
  const append = <T>(map: Map<string, T[]>, key: string | undefined, value: T) => {
    if (key === undefined) return;
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  for (const s of input.plan.policies) if (!index.schedules.has(s.policy)) index.schedules.set(s.policy, s);
  for (const b of input.plan.blocked) append(index.blocked, b.subject.policy, b);
  for (const n of input.plan.notes) {
    if (n.code === 'in-progress' && n.subject.policy !== undefined && !index.inProgress.has(n.subject.policy)) index.inProgress.set(n.subject.policy, n);
  }
  for (const r of input.results) append(index.results, actionPolicy(r.action), r);
  return index;
}

// ---------------------------------------------------------------- policies

function policyDoc(name: string, status: PolicyStatus): StatusDoc<PolicyStatus> {
  return { apiVersion: API_VERSION, kind: 'BackupPolicyStatus', metadata: { name }, status };
}

function backupsByPolicy(inventories: Record<string, Inventory>): Map<string, InventoryBackup[]> {
  const map = new Map<string, InventoryBackup[]>();
  for (const inv of Object.values(inventories)) {
    for (const b of inv.backups) {
      const policy = b.manifest?.policy;
      if (!policy || b.manifest?.preRestoreFor) continue;
      let list = map.get(policy);
      if (!list) map.set(policy, (list = []));
      list.push(b);
    }
  }
  return map;
}

function previousPolicy(input: StatusInput, name: string): PolicyStatus | undefined {
  return (input.previous.get(statusPaths.policy(name)) as StatusDoc<PolicyStatus> | undefined)?.status;
}

function policyStatus(policy: BackupPolicy, backups: InventoryBackup[], input: StatusInput, index: PlanIndex): PolicyStatus {
  const name = policy.metadata.name;
  const prev = previousPolicy(input, name);
  const schedule = index.schedules.get(name);
  const results = index.results.get(name) ?? [];
  const history = buildHistory(backups, prev?.lastBackups ?? [], results, name);
  const blocked = index.blocked.get(name) ?? [];
  const failedNow = results.filter((r) => r.action.type === 'backup' && r.outcome === 'Failed');
  const inProgress = index.inProgress.get(name);
  const latest = history.find((h) => h.deletePhase !== 'Deleted');

  const conds: Omit<Condition, 'lastTransitionTime'>[] = [];
  if (blocked.length) {
    conds.push({ type: 'Ready', status: 'False', reason: 'Blocked', message: blocked.map((b) => b.message).join('; ') });
    conds.push({ type: 'Stalled', status: 'True', reason: conditionReason(blocked[0].code), message: blocked[0].message });
  } else if (failedNow.length) {
    conds.push({ type: 'Ready', status: 'False', reason: failedNow[0].reason ?? 'BackupFailed', message: failedNow[0].message ?? 'the backup failed' });
  } else if (!latest) {
    conds.push({ type: 'Ready', status: 'False', reason: policy.spec.suspend ? 'Suspended' : 'NoBackupYet', message: policy.spec.suspend ? 'suspended before any backup was taken' : 'no backup taken yet' });
  } else if (latest.phase === 'Completed') {
    conds.push({ type: 'Ready', status: 'True', reason: 'Succeeded', message: `latest backup ${latest.name} Completed` });
  } else {
    conds.push({ type: 'Ready', status: 'False', reason: `Backup${latest.phase}`, message: `latest backup ${latest.name} ${latest.phase}${latest.message ? `: ${latest.message}` : ''}` });
  }
  if (inProgress) conds.push({ type: 'Reconciling', status: 'True', reason: 'BackupInProgress', message: inProgress.message });

  return {
    ...(schedule?.location ?? policy.spec.location ? { location: schedule?.location ?? policy.spec.location } : {}),
    lastAttemptedRevision: input.sourceRevision,
    lastAppliedRevision: blocked.length ? prev?.lastAppliedRevision : input.sourceRevision,
    ...(schedule?.nextScheduledTime ? { nextScheduledTime: schedule.nextScheduledTime } : {}),
    deletionPolicy: policy.spec.deletionPolicy ?? 'Retain',
    gracePeriod: policy.spec.gracePeriod ?? DEFAULT_GRACE_PERIOD,
    conditions: withTransitions(conds, prev?.conditions, input.now),
    lastBackups: history,
  };
}

function frozenStatus(name: string, file: string, input: StatusInput): PolicyStatus {
  const prev = previousPolicy(input, name);
  const errors = input.repo.errors.filter((e) => e.file === file);
  const first = errors[0];
  const message = `${file} is invalid, its backups are frozen until it is fixed${first ? `: ${first.file}:${first.line}:${first.col}: ${first.path ? `${first.path}: ` : ''}${first.message}` : ''}`;
  const conds: Omit<Condition, 'lastTransitionTime'>[] = [
    { type: 'Ready', status: 'False', reason: 'InvalidSpec', message },
    { type: 'Stalled', status: 'True', reason: 'InvalidSpec', message },
  ];
  return {
    ...(prev?.location ? { location: prev.location } : {}),
    lastAttemptedRevision: input.sourceRevision,
    ...(prev?.lastAppliedRevision ? { lastAppliedRevision: prev.lastAppliedRevision } : {}),
    deletionPolicy: prev?.deletionPolicy ?? 'Retain',
    gracePeriod: prev?.gracePeriod ?? DEFAULT_GRACE_PERIOD,
    conditions: withTransitions(conds, prev?.conditions, input.now),
    lastBackups: prev?.lastBackups ?? [],
  };
}

function removedStatus(name: string, prevDoc: StatusDoc<PolicyStatus>, backups: InventoryBackup[], input: StatusInput, index: PlanIndex): PolicyStatus {
  const prev = prevDoc.status;
  const retained = prev.deletionPolicy !== 'Delete';
  const message = retained
    ? `the policy file was removed; deletionPolicy Retain keeps its ${backups.length} backup(s)`
    : `the policy file was removed; deletionPolicy Delete expires its ${backups.length} remaining backup(s) after the grace period`;
  const conds: Omit<Condition, 'lastTransitionTime'>[] = [{ type: 'Ready', status: 'False', reason: 'PolicyRemoved', message }];
  return {
    ...(prev.location ? { location: prev.location } : {}),
    lastAttemptedRevision: input.sourceRevision,
    ...(prev.lastAppliedRevision ? { lastAppliedRevision: prev.lastAppliedRevision } : {}),
    deletionPolicy: prev.deletionPolicy ?? 'Retain',
    gracePeriod: prev.gracePeriod ?? DEFAULT_GRACE_PERIOD,
    removed: true,
    conditions: withTransitions(conds, prev.conditions, input.now),
    lastBackups: buildHistory(backups, prev.lastBackups ?? [], index.results.get(name) ?? [], name),
  };
}

function etcdHistory(e: EtcdSnapshotInfo): NonNullable<BackupHistoryEntry['etcd']> {
  return {
    version: e.version,
    clusterId: e.clusterId,
    member: e.member.name || e.member.endpoint,
    memberId: e.member.id,
    revision: e.revision,
    dbSize: e.dbSize,
    snapshotSize: e.snapshotSize,
    durationSeconds: Math.round(e.durationMs / 100) / 10,
  };
}

/** KKP-style history: backups that exist (newest first), then deleted ones remembered from before. */
function buildHistory(backups: InventoryBackup[], previous: BackupHistoryEntry[], results: ActionResult[], policy: string): BackupHistoryEntry[] {
  const live = backups
    .filter((b) => b.manifest)
    .map((b): BackupHistoryEntry => {
      const m = b.manifest!;
      const message = incompleteMessage(m);
      return {
        name: m.name,
        ...(m.scheduledTime ? { scheduledTime: m.scheduledTime } : {}),
        ...(m.trigger ? { trigger: m.trigger } : {}),
        phase: m.phase,
        startTime: m.startTimestamp,
        completionTime: m.completionTimestamp,
        ...(m.type === 'etcd' ? {} : { items: m.totalItems }),
        bytes: storedBytes(m),
        ...(m.etcd ? { etcd: etcdHistory(m.etcd) } : {}),
        ...(message ? { message } : {}),
        ...(b.expiry ? { deletePhase: 'Expiring' as const, deleteAfter: b.expiry.deleteAfter } : {}),
      };
    });
  const liveNames = new Set(live.map((h) => h.name));
  const deletedNow = new Map(
    results.filter((r) => r.action.type === 'delete' && r.outcome === 'Deleted' && r.action.policy === policy).map((r) => [(r.action as { backup: string }).backup, r.at]),
  );
  const failedNow = results.filter((r) => r.action.type === 'backup' && r.action.policy === policy && !r.manifest && r.outcome === 'Failed');
  const gone = previous
    .filter((h) => !liveNames.has(h.name))
    .map((h): BackupHistoryEntry => {
      if (h.deletePhase === 'Deleted') return h;
      const deleteTime = deletedNow.get(h.name);
      return { ...h, deletePhase: 'Deleted', ...(deleteTime ? { deleteTime } : {}) };
    });
  // A backup that failed before it could write anything leaves only this row.
  const failedRows = failedNow
    .filter((r) => !liveNames.has((r.action as { backupName: string }).backupName))
    .map((r): BackupHistoryEntry => {
      const a = r.action as { backupName: string; scheduledTime?: string; trigger?: string };
      return { name: a.backupName, ...(a.scheduledTime ? { scheduledTime: a.scheduledTime } : {}), ...(a.trigger ? { trigger: a.trigger } : {}), phase: 'Failed', completionTime: r.at, ...(r.message ? { message: r.message } : {}) };
    });
  const key = (h: BackupHistoryEntry) => h.scheduledTime ?? h.startTime ?? h.completionTime ?? '';
  const rows = [...live, ...failedRows].sort((a, b) => byCodePoint(key(b), key(a)) || byCodePoint(b.name, a.name));
  const rowNames = new Set(rows.map((r) => r.name));
  const old = gone.filter((g) => !rowNames.has(g.name)).sort((a, b) => byCodePoint(key(b), key(a)));
  return [...rows, ...old].slice(0, Math.max(HISTORY_LIMIT, rows.length));
}

/**
 * Code-point order: the same on every host (localeCompare follows the ICU locale, so two engines
 * could order a committed file differently), and ~10x cheaper on the steady tick.
 */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Keeps a condition's lastTransitionTime while its status and reason stay the same. */
function withTransitions(conds: Omit<Condition, 'lastTransitionTime'>[], previous: Condition[] | undefined, now: Date): Condition[] {
  return conds.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    const same = before && before.status === c.status && before.reason === c.reason;
    return { ...c, lastTransitionTime: same ? before.lastTransitionTime : now.toISOString() };
  });
}

// ---------------------------------------------------------------- restores

function restoreStatus(req: RestoreRequest, input: StatusInput): RestoreStatus | undefined {
  const name = req.metadata.name;
  const prev = (input.previous.get(statusPaths.restore(name)) as StatusDoc<RestoreStatus> | undefined)?.status;
  const result = input.restoreResults.get(name);
  if (result) {
    const specChanged = result.specHash !== restoreSpecHash(req.spec);
    const ok = result.phase === 'Completed';
    const message = specChanged
      ? `the spec was edited after the restore ran (${result.phase}); it is not re-run — create a new RestoreRequest to restore again`
      : restoreMessage(result);
    const conds: Omit<Condition, 'lastTransitionTime'>[] = [
      { type: 'Ready', status: ok ? 'True' : 'False', reason: result.phase, message: restoreMessage(result) },
    ];
    if (!ok) conds.push({ type: 'Stalled', status: 'True', reason: result.phase, message: restoreMessage(result) });
    return {
      phase: result.phase,
      ...(result.backup ? { backupName: result.backup } : {}),
      ...(result.location ? { location: result.location } : {}),
      specHash: result.specHash,
      dryRun: result.dryRun,
      startTime: result.startTimestamp,
      completionTime: result.completionTimestamp,
      ...(result.preRestoreBackup ? { preRestoreBackup: result.preRestoreBackup } : {}),
      counts: result.counts,
      ...(specChanged ? { specChanged: true } : {}),
      message,
      ...(result.dryRun ? { changes: dryRunChanges(result) } : {}),
      ...(result.errors.length ? { errors: result.errors.slice(0, 20) } : {}),
      ...(result.etcd ? { etcd: result.etcd } : {}),
      conditions: withTransitions(conds, prev?.conditions, input.now),
    };
  }
  const blocked = input.plan.blocked.find((b) => b.subject.restore === name);
  if (blocked) {
    return {
      phase: 'FailedValidation',
      message: blocked.message,
      conditions: withTransitions([{ type: 'Stalled', status: 'True', reason: conditionReason(blocked.code), message: blocked.message }], prev?.conditions, input.now),
    };
  }
  const waiting = input.plan.notes.find((n) => n.subject.restore === name);
  return {
    phase: 'New',
    message: waiting?.message ?? 'waiting to run',
    conditions: withTransitions([{ type: 'Reconciling', status: 'True', reason: 'Pending', message: waiting?.message ?? 'waiting to run' }], prev?.conditions, input.now),
  };
}

function restoreMessage(r: RestoreResult): string {
  if (r.etcd) {
    return r.etcd.verified
      ? `etcd backup ${r.backup} verified (cairn's sha256 and etcd's hash); the cluster was not touched: run the ${r.etcd.commands.length} commands under etcd.commands, one on each member`
      : `etcd backup ${r.backup} failed verification: ${r.errors[0] ?? 'unknown problem'}`;
  }
  const c = r.counts;
  const what = r.dryRun ? 'dry run' : 'restore';
  const head = `${what} of ${r.backup ?? 'unknown backup'} ${r.phase}: ${c.total} items`;
  const parts = r.dryRun
    ? [`${r.items.filter((i) => i.action === 'create').length} to create`, `${r.items.filter((i) => i.action === 'update').length} to update`, `${c.unchanged} unchanged`, `${c.skipped} skipped`]
    : [`${c.created} created`, `${c.updated} updated`, `${c.unchanged} unchanged`, `${c.skipped} skipped`, `${c.failed} failed`];
  return `${head} (${parts.join(', ')})${r.errors[0] ? `; ${r.errors[0]}` : ''}`;
}

function dryRunChanges(r: RestoreResult): RestoreStatus['changes'] {
  return r.items
    .filter((i) => i.action === 'create' || i.action === 'update')
    .slice(0, 100)
    .map((i) => ({
      action: i.action,
      object: `${i.groupResource}/${i.namespace ? `${i.namespace}/` : ''}${i.name}`,
      ...(i.diff?.length ? { fields: i.diff.map((d) => d.path) } : {}),
    }));
}

// ---------------------------------------------------------------- removed policies

/**
 * Policies present in the previous status but gone from the repository (and not merely invalid),
 * with the deletionPolicy their status remembered; the plan treats unknown orphans as Retain.
 */
export function removedPolicies(repo: PolicyRepository, previous: ReadonlyMap<string, StatusDoc<unknown>>): Record<string, RemovedPolicy> {
  const out: Record<string, RemovedPolicy> = {};
  const present = new Set(repo.policies.map((p) => p.metadata.name));
  for (const f of repo.frozen) if (f.name) present.add(f.name);
  for (const [path, doc] of previous) {
    if (!path.startsWith('status/policies/') || present.has(doc.metadata.name)) continue;
    const s = doc.status as PolicyStatus;
    out[doc.metadata.name] = { deletionPolicy: s.deletionPolicy ?? 'Retain', ...(s.gracePeriod ? { gracePeriod: s.gracePeriod } : {}) };
  }
  return out;
}

// ---------------------------------------------------------------- errors

function errorsDoc(errors: ValidationError[]): StatusDoc<{ errors: ValidationError[] }> {
  return {
    apiVersion: API_VERSION,
    kind: 'ValidationErrors',
    metadata: { name: 'errors' },
    status: { errors: errors.map((e) => ({ ...e })) },
  };
}
