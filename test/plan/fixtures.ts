// Builders for plan tests: valid objects as the loader would hand them over, and inventories as
// the storage layer lists them. Times are UTC; the clock is fixed.
import type { BackupLocation, BackupPolicy, BackupPolicySpec, PolicyRepository, RestoreRequest, RestoreRequestSpec } from '../../src/api/types.ts';
import type { BackupManifest, BackupPhase, Inventory, InventoryBackup, LockInfo } from '../../src/storage/types.ts';

export const NOW = new Date('2026-11-21T15:30:00Z');
export const HOUR = 3_600_000;

export function at(offsetMs: number): string {
  return new Date(NOW.getTime() + offsetMs).toISOString().replace('.000Z', 'Z');
}

export function policy(name: string, spec: BackupPolicySpec = {}): BackupPolicy {
  return { apiVersion: 'cairn.dev/v1alpha1', kind: 'BackupPolicy', metadata: { name }, spec, source: { file: `policies/${name}.yaml`, line: 1, col: 1 } };
}

export function location(name: string, isDefault = true): BackupLocation {
  return {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'BackupLocation',
    metadata: { name },
    spec: { default: isDefault, provider: 'filesystem', filesystem: { path: `/backups/${name}` } },
    source: { file: `locations/${name}.yaml`, line: 1, col: 1 },
  };
}

export function restore(name: string, spec: RestoreRequestSpec): RestoreRequest {
  return { apiVersion: 'cairn.dev/v1alpha1', kind: 'RestoreRequest', metadata: { name }, spec, source: { file: `restores/${name}.yaml`, line: 1, col: 1 } };
}

export function repo(parts: Partial<PolicyRepository> = {}): PolicyRepository {
  return {
    locations: [location('primary')],
    clusters: [],
    policies: [],
    restores: [],
    modifiers: [],
    errors: [],
    frozen: [],
    ...parts,
  };
}

export interface BackupOpts {
  phase?: BackupPhase;
  /** ISO time of the slot; also the start. */
  slot?: string;
  trigger?: string;
  /** ISO completion time; default slot + 5 minutes. */
  completed?: string;
  preRestoreFor?: string;
  expiry?: { deleteAfter: string; reason?: string };
  location?: string;
}

function stamp(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

/** A backup with a manifest; the name follows the slot (`<policy>-<stamp>`) or the trigger. */
export function backup(policyName: string, opts: BackupOpts): InventoryBackup {
  const start = opts.slot ?? opts.completed ?? NOW.toISOString();
  const name = opts.trigger !== undefined ? `${policyName}-${opts.trigger}` : `${policyName}-${stamp(start)}`;
  const completed = opts.completed ?? new Date(Date.parse(start) + 5 * 60_000).toISOString();
  const manifest: BackupManifest = {
    formatVersion: 1,
    name,
    phase: opts.phase ?? 'Completed',
    policy: policyName,
    location: opts.location ?? 'primary',
    ...(opts.slot && opts.trigger === undefined ? { scheduledTime: opts.slot } : {}),
    ...(opts.trigger !== undefined ? { trigger: opts.trigger } : {}),
    ...(opts.preRestoreFor ? { preRestoreFor: opts.preRestoreFor } : {}),
    startTimestamp: start,
    completionTimestamp: completed,
    cluster: { name: 'prod', serverVersion: 'v1.31.0' },
    engineVersion: '0.1.0',
    resources: [],
    itemCounts: {},
    totalItems: 0,
    warnings: [],
    errors: [],
    artifacts: {
      resources: { file: 'resources.tar.gz', sha256: '0'.repeat(64), size: 1 },
      index: { file: 'index.json.gz', sha256: '0'.repeat(64), size: 1 },
      log: { file: 'log.jsonl.gz', sha256: '0'.repeat(64), size: 1 },
    },
  };
  return {
    name,
    manifest,
    incomplete: false,
    lastModified: completed,
    files: ['resources.tar.gz', 'index.json.gz', 'log.jsonl.gz', 'manifest.json', ...(opts.expiry ? ['expiry.json'] : [])],
    ...(opts.expiry ? { expiry: { deleteAfter: opts.expiry.deleteAfter, reason: opts.expiry.reason ?? 'beyond keep', markedAt: NOW.toISOString() } } : {}),
  };
}

/** `count` scheduled backups of a policy every `stepMs`, the newest at `newest`. */
export function series(policyName: string, newest: string, stepMs: number, count: number, opts: Omit<BackupOpts, 'slot'> = {}): InventoryBackup[] {
  return Array.from({ length: count }, (_, i) => backup(policyName, { ...opts, slot: new Date(Date.parse(newest) - i * stepMs).toISOString() }));
}

export function incomplete(name: string, lastModified: string): InventoryBackup {
  return { name, incomplete: true, lastModified, files: ['resources.tar.gz'] };
}

export function lock(policyName: string, expires: string, holder = 'engine-a'): LockInfo {
  return { policy: policyName, holder, acquiredAt: at(-HOUR), expires };
}

export function inventory(backups: InventoryBackup[], extra: Partial<Omit<Inventory, 'backups'>> = {}): Inventory {
  return { location: 'primary', listedAt: NOW.toISOString(), backups, locks: [], restores: [], ...extra };
}
