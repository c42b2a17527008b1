// The read API, /api/v1 (documented in openapi.ts). Every answer is derived from the engine's
// current state (ServerState + the engine's snapshot), never from a new listing of storage: a
// thousand requests a second cost memory reads, and the ticks do not wait for them. Derived
// views are memoized per snapshot generation. Only a backup's log is read from storage, one
// object per request.
import type { BackupPolicy } from '../api/types.ts';
import type { EngineSnapshot } from '../engine/engine.ts';
import type { PolicyStatus, RestoreStatus, StatusDoc } from '../engine/status.ts';
import { statusPaths } from '../engine/status.ts';
import { stringifyExact } from '../exact-json.ts';
import { summarizePlan } from '../plan/format.ts';
import type { InventoryBackup } from '../storage/types.ts';
import { artifactList, incompleteMessage, storedBytes } from '../storage/manifest.ts';
import { commitWebUrl } from './git-links.ts';
import { redactItem } from './redact.ts';
import type { ServerState } from './state.ts';

export interface ApiAnswer {
  status: number;
  body: unknown;
}

export const API_PREFIX = '/api/v1';
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

const notFound = (message: string): ApiAnswer => ({ status: 404, body: { error: { code: 'NotFound', message } } });
const badRequest = (message: string): ApiAnswer => ({ status: 400, body: { error: { code: 'BadRequest', message } } });
const notReady = (): ApiAnswer => ({ status: 503, body: { error: { code: 'NotReady', message: 'no tick has loaded the policy repository yet; try again shortly' } } });

export interface BackupRow {
  name: string;
  location: string;
  /** resources, or etcd (a snapshot) */
  type?: string;
  policy?: string;
  cluster?: string;
  phase: string;
  scheduledTime?: string;
  trigger?: string;
  startTime?: string;
  completionTime?: string;
  items?: number;
  bytes?: number;
  encrypted: boolean;
  preRestoreFor?: string;
  expiring?: { deleteAfter: string; reason: string };
  message?: string;
}

function backupRow(location: string, b: InventoryBackup): BackupRow {
  const m = b.manifest;
  if (!m) {
    return { name: b.name, location, phase: b.manifestError ? 'Unreadable' : 'Incomplete', completionTime: b.lastModified, encrypted: false, ...(b.manifestError ? { message: b.manifestError } : {}) };
  }
  const message = incompleteMessage(m);
  return {
    name: m.name,
    location,
    type: (m as { type?: string }).type ?? 'resources',
    policy: m.policy,
    cluster: m.cluster.name,
    phase: m.phase,
    ...(m.scheduledTime ? { scheduledTime: m.scheduledTime } : {}),
    ...(m.trigger ? { trigger: m.trigger } : {}),
    startTime: m.startTimestamp,
    completionTime: m.completionTimestamp,
    items: m.totalItems,
    // Every artifact, whichever the backup's type has (resources + index + log, or etcd + log).
    bytes: storedBytes(m),
    encrypted: m.encryption !== undefined,
    ...(m.preRestoreFor ? { preRestoreFor: m.preRestoreFor } : {}),
    ...(b.expiry ? { expiring: { deleteAfter: b.expiry.deleteAfter, reason: b.expiry.reason } } : {}),
    ...(message ? { message } : {}),
  };
}

/** Newest first: by start (or last write), then name. */
function newestFirst(a: BackupRow, b: BackupRow): number {
  const ka = a.startTime ?? a.completionTime ?? '';
  const kb = b.startTime ?? b.completionTime ?? '';
  return ka < kb ? 1 : ka > kb ? -1 : a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

function policyType(p: BackupPolicy): string {
  return (p.spec as { type?: string }).type ?? 'resources';
}

function statusOf<S>(snap: EngineSnapshot, path: string): S | undefined {
  return (snap.status.get(path) as StatusDoc<S> | undefined)?.status;
}

/** Answers kept per state version: a repeated request costs a map lookup and a write. */
const ANSWERS_KEPT = 256;
/** Answers that read storage (a log): never kept. */
const UNCACHED = /^\/api\/v1\/backups\/[^/?]+\/log(\?|$)/;
/** Answers that depend on the clock too (the plan): kept one second. */
const CLOCKED = /^\/api\/v1\/plan(\?|$)/;
const CLOCKED_MS = 1000;

/**
 * Compact JSON of an answer. Restore diffs may hold int64 values beyond 2^53 as bigints
 * (src/exact-json.ts): they are written with their exact digits, never rounded or refused.
 */
export function serializeAnswer(body: unknown): string {
  return stringifyExact(body);
}

export class ReadApi {
  private memo?: { generation: string; rows: BackupRow[] };
  private answers = new Map<string, { status: number; text: string; until?: number }>();
  private answersKey = '';

  constructor(private readonly state: ServerState) {}

  private stateKey(): string {
    return `${this.state.source?.snapshot()?.generation ?? 'none'}|${this.state.version}`;
  }

  /** The serialized answer to this request target, if the state has not changed since. */
  cached(target: string): { status: number; text: string } | undefined {
    const key = this.stateKey();
    if (key !== this.answersKey) {
      this.answers.clear();
      this.answersKey = key;
    }
    const hit = this.answers.get(target);
    return hit && (hit.until === undefined || hit.until > Date.now()) ? hit : undefined;
  }

  /** Serializes an answer (compact JSON) and keeps it for `target` while the state holds. */
  remember(target: string, answer: ApiAnswer): string {
    const text = serializeAnswer(answer.body);
    if (!UNCACHED.test(target) && answer.status < 500) {
      if (this.answers.size >= ANSWERS_KEPT) this.answers.clear();
      this.answers.set(target, { status: answer.status, text, ...(CLOCKED.test(target) ? { until: Date.now() + CLOCKED_MS } : {}) });
    }
    return text;
  }

  /** Answers GET <API_PREFIX><path>; `path` starts with "/". */
  async handle(path: string, query: URLSearchParams): Promise<ApiAnswer> {
    if (path === '/openapi.json') {
      const { openApiDocument } = await import('./openapi.ts');
      return { status: 200, body: openApiDocument };
    }
    if (path === '/events') return { status: 200, body: this.events() };
    const snap = this.state.source?.snapshot();
    if (!snap) return notReady();
    const parts = path.split('/').slice(1).map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return '\0';
      }
    });
    if (parts.some((p) => p === '\0')) return badRequest(`malformed percent-encoding in ${path}`);
    const [collection, name, sub, ...rest] = parts;
    if (rest.length) return notFound(`no such resource: ${API_PREFIX}${path}`);
    switch (collection) {
      case 'policies':
        if (name === undefined) return { status: 200, body: this.policies(snap) };
        if (sub === undefined) return this.policy(snap, name);
        break;
      case 'backups':
        if (name === undefined) return this.backups(snap, query);
        if (sub === undefined) return this.backup(snap, name, query);
        if (sub === 'log') return this.backupLog(snap, name, query);
        break;
      case 'restores':
        if (name === undefined) return { status: 200, body: this.restores(snap) };
        if (sub === undefined) return this.restore(snap, name);
        break;
      case 'plan':
        if (name === undefined) return this.plan();
        break;
    }
    return notFound(`no such resource: ${API_PREFIX}${path}`);
  }

  // ---------------------------------------------------------- policies

  private policies(snap: EngineSnapshot) {
    const names = new Set<string>();
    const out = [];
    for (const p of snap.repo.policies) {
      names.add(p.metadata.name);
      out.push(this.policyView(snap, p.metadata.name, p));
    }
    // Invalid (frozen) and removed policies still have status and backups.
    for (const path of snap.status.keys()) {
      if (!path.startsWith('status/policies/')) continue;
      const name = path.slice('status/policies/'.length, -'.yaml'.length);
      if (!names.has(name)) out.push(this.policyView(snap, name, undefined));
    }
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { revision: snap.sourceRevision, policies: out };
  }

  private policy(snap: EngineSnapshot, name: string): ApiAnswer {
    const p = snap.repo.policies.find((x) => x.metadata.name === name);
    if (!p && !snap.status.has(statusPaths.policy(name))) return notFound(`no policy ${name}`);
    return { status: 200, body: this.policyView(snap, name, p) };
  }

  private policyView(snap: EngineSnapshot, name: string, p: BackupPolicy | undefined) {
    const st = statusOf<PolicyStatus>(snap, statusPaths.policy(name));
    const frozen = snap.repo.frozen.some((f) => f.kind === 'BackupPolicy' && f.name === name);
    const location = p?.spec.location ?? st?.location ?? snap.repo.locations.find((l) => l.spec.default)?.metadata.name;
    return {
      name,
      state: p ? 'Active' : frozen ? 'Frozen' : 'Removed',
      type: p ? policyType(p) : 'resources',
      cluster: p?.spec.cluster ?? 'default',
      ...(location ? { location } : {}),
      ...(p?.spec.schedule ? { schedule: p.spec.schedule } : {}),
      ...(p?.spec.trigger ? { trigger: p.spec.trigger } : {}),
      suspended: p?.spec.suspend === true,
      ...(p?.spec.keep !== undefined ? { keep: p.spec.keep } : {}),
      ...(p?.spec.ttl ? { ttl: p.spec.ttl } : {}),
      ...(st?.nextScheduledTime ? { nextScheduledTime: st.nextScheduledTime } : {}),
      ...(st?.lastAppliedRevision ? { lastAppliedRevision: st.lastAppliedRevision } : {}),
      conditions: st?.conditions ?? [],
      lastBackups: st?.lastBackups ?? [],
    };
  }

  // ---------------------------------------------------------- backups

  private rows(snap: EngineSnapshot): BackupRow[] {
    if (this.memo?.generation === snap.generation) return this.memo.rows;
    const rows: BackupRow[] = [];
    for (const [location, inv] of Object.entries(snap.inventories)) for (const b of inv.backups) rows.push(backupRow(location, b));
    rows.sort(newestFirst);
    this.memo = { generation: snap.generation, rows };
    return rows;
  }

  private backups(snap: EngineSnapshot, query: URLSearchParams): ApiAnswer {
    const limitText = query.get('limit');
    const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return badRequest(`limit must be an integer from 1 to ${MAX_LIMIT}, got "${limitText}"`);
    const cont = query.get('continue');
    const decoded = cont === null ? 'o:0' : Buffer.from(cont, 'base64url').toString('utf8');
    const offset = /^o:\d{1,9}$/.test(decoded) ? Number(decoded.slice(2)) : NaN;
    if (!Number.isInteger(offset)) return badRequest('continue is not a token this API returned');
    const filters = (['policy', 'cluster', 'location', 'phase'] as const).map((k) => [k, query.get(k)] as const).filter(([, v]) => v !== null);
    const all = this.rows(snap);
    const matching = filters.length ? all.filter((r) => filters.every(([k, v]) => r[k] === v)) : all;
    const items = matching.slice(offset, offset + limit);
    const next = offset + limit < matching.length ? Buffer.from(`o:${offset + limit}`).toString('base64url') : undefined;
    return { status: 200, body: { total: matching.length, items, ...(next ? { continue: next } : {}) } };
  }

  private find(snap: EngineSnapshot, name: string, query: URLSearchParams): { location: string; backup: InventoryBackup } | ApiAnswer {
    const wanted = query.get('location');
    for (const [location, inv] of Object.entries(snap.inventories)) {
      if (wanted !== null && wanted !== location) continue;
      const backup = inv.backups.find((b) => b.name === name);
      if (backup) return { location, backup };
    }
    return notFound(`no backup ${name}${wanted ? ` in location ${wanted}` : ''}`);
  }

  private backup(snap: EngineSnapshot, name: string, query: URLSearchParams): ApiAnswer {
    const found = this.find(snap, name, query);
    if ('status' in found) return found;
    const row = backupRow(found.location, found.backup);
    const m = found.backup.manifest;
    if (!m) return { status: 200, body: { ...row, files: found.backup.files } };
    const etcd = (m as { etcd?: unknown }).etcd;
    return {
      status: 200,
      body: {
        ...row,
        gitRevision: m.gitRevision ?? null,
        clusterInfo: { name: m.cluster.name, ...(m.cluster.server ? { server: m.cluster.server } : {}), serverVersion: m.cluster.serverVersion },
        engineVersion: m.engineVersion,
        formatVersion: m.formatVersion,
        resources: m.resources,
        itemCounts: m.itemCounts,
        artifacts: artifactList(m).map((a) => ({ file: a.file, sha256: a.sha256, size: a.size })),
        // The header's algorithm and key id only: the wrapped key and nonces are nobody's business.
        encryption: m.encryption ? { algorithm: m.encryption.algorithm, kdf: m.encryption.kdf.name, keyId: m.encryption.keyId } : null,
        ...(etcd && typeof etcd === 'object' ? { etcd } : {}),
        warnings: m.warnings,
        errors: m.errors,
      },
    };
  }

  private async backupLog(snap: EngineSnapshot, name: string, query: URLSearchParams): Promise<ApiAnswer> {
    const found = this.find(snap, name, query);
    if ('status' in found) return found;
    if (!found.backup.manifest) return notFound(`backup ${name} is an incomplete upload: it has no log`);
    try {
      const entries = await this.state.source!.backupLog(found.location, name);
      return { status: 200, body: { name, location: found.location, entries } };
    } catch (err) {
      return { status: 502, body: { error: { code: 'StorageError', message: `cannot read the log of ${name} from location ${found.location}: ${(err as Error).message}` } } };
    }
  }

  // ---------------------------------------------------------- restores

  private restoreNames(snap: EngineSnapshot): string[] {
    const names = new Set<string>(snap.repo.restores.map((r) => r.metadata.name));
    for (const path of snap.status.keys()) if (path.startsWith('status/restores/')) names.add(path.slice('status/restores/'.length, -'.yaml'.length));
    return [...names].sort();
  }

  private restoreSummary(snap: EngineSnapshot, name: string) {
    const st = statusOf<RestoreStatus>(snap, statusPaths.restore(name));
    const result = snap.restoreResults.get(name);
    const req = snap.repo.restores.find((r) => r.metadata.name === name);
    return {
      name,
      phase: result?.phase ?? st?.phase ?? 'New',
      inRepository: req !== undefined,
      ...((result?.backup ?? st?.backupName) ? { backupName: result?.backup ?? st?.backupName } : {}),
      ...((result?.location ?? st?.location) ? { location: result?.location ?? st?.location } : {}),
      dryRun: result?.dryRun ?? st?.dryRun ?? req?.spec.dryRun === true,
      ...((result?.startTimestamp ?? st?.startTime) ? { startTime: result?.startTimestamp ?? st?.startTime } : {}),
      ...((result?.completionTimestamp ?? st?.completionTime) ? { completionTime: result?.completionTimestamp ?? st?.completionTime } : {}),
      ...((result?.preRestoreBackup ?? st?.preRestoreBackup) ? { preRestoreBackup: result?.preRestoreBackup ?? st?.preRestoreBackup } : {}),
      ...((result?.counts ?? st?.counts) ? { counts: result?.counts ?? st?.counts } : {}),
      ...(st?.specChanged ? { specChanged: true } : {}),
      ...(st?.message ? { message: st.message } : {}),
      ...(req?.spec.resourceModifier ? { resourceModifier: req.spec.resourceModifier } : {}),
    };
  }

  private restores(snap: EngineSnapshot) {
    return { items: this.restoreNames(snap).map((n) => this.restoreSummary(snap, n)) };
  }

  private restore(snap: EngineSnapshot, name: string): ApiAnswer {
    if (!this.restoreNames(snap).includes(name)) return notFound(`no restore ${name}`);
    const st = statusOf<RestoreStatus>(snap, statusPaths.restore(name));
    const result = snap.restoreResults.get(name);
    return {
      status: 200,
      body: {
        ...this.restoreSummary(snap, name),
        conditions: st?.conditions ?? [],
        items: (result?.items ?? []).map(redactItem),
        warnings: result?.warnings ?? [],
        errors: result?.errors ?? st?.errors ?? [],
      },
    };
  }

  // ---------------------------------------------------------- plan and events

  private plan(): ApiAnswer {
    const plan = this.state.source!.previewPlan();
    if (!plan) return notReady();
    return {
      status: 200,
      body: { revision: plan.revision, now: plan.now, summary: summarizePlan(plan), actions: plan.actions, blocked: plan.blocked.map(({ code, subject, message }) => ({ code, subject, message })), notes: plan.notes },
    };
  }

  private events() {
    const remote = this.state.source?.snapshot()?.repoUrl;
    const link = (sha: string | undefined) => (remote && sha ? commitWebUrl(remote, sha) : undefined);
    return {
      ticks: this.state.events.map((e) => {
        const url = link(e.commit);
        return { ...e, ...(url ? { commitUrl: url } : {}) };
      }),
      commits: this.state.commits.map((c) => {
        const url = link(c.commit);
        return { commit: c.commit, date: c.date, subject: c.subject, ...(c.revision ? { revision: c.revision } : {}), actions: c.actions.map((a) => [a.verb, a.object, a.result].filter(Boolean).join(' ')), ...(url ? { url } : {}) };
      }),
    };
  }
}
