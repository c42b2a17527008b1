// Which backup a restore reads: `backupName`, or the latest Completed backup of `policy`, or
// the newest Completed backup of `policy` that had completed at or before `at`.
// Safety backups (preRestoreFor) never stand in for a policy's backups; they are restored by name.
import type { RestoreRequestSpec } from '../api/types.ts';
import type { BackupManifest, Inventory } from '../storage/types.ts';
import { RestoreError } from './errors.ts';
import { unsupportedFormat } from '../storage/format.ts';

export interface ResolveStore {
  readManifest(name: string): Promise<BackupManifest | undefined>;
  listInventory(): Promise<Inventory>;
}

export interface ResolvedBackup {
  manifest: BackupManifest;
  warnings: string[];
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'storage.not-found' || code === 'storage.incomplete';
}

async function manifestOrUndefined(store: ResolveStore, name: string): Promise<BackupManifest | undefined> {
  try {
    return await store.readManifest(name);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

export async function resolveBackup(spec: RestoreRequestSpec, store: ResolveStore, locationName: string): Promise<ResolvedBackup> {
  if (spec.backupName) return resolveByName(spec.backupName, store, locationName);
  if (spec.policy) return resolveByPolicy(spec.policy, spec.at, store, locationName);
  throw new RestoreError('restore.spec', 'spec.backupName or spec.policy is required: name the backup to restore, or the policy whose latest Completed backup to use');
}

async function resolveByName(name: string, store: ResolveStore, locationName: string): Promise<ResolvedBackup> {
  const manifest = await manifestOrUndefined(store, name);
  if (!manifest) {
    const inventory = await store.listInventory();
    const entry = inventory.backups.find((b) => b.name === name);
    if (entry?.incomplete) {
      throw new RestoreError('restore.backup-not-restorable', `backup ${name} in location ${locationName} has no manifest.json: it is an incomplete upload and cannot be restored`, { subject: name });
    }
    throw new RestoreError('restore.backup-not-found', `backup ${name} not found in location ${locationName}; \`cairn backups list\` shows the backups there`, { subject: name });
  }
  return checkRestorable(manifest, locationName);
}

function checkRestorable(manifest: BackupManifest, locationName: string): ResolvedBackup {
  const format = unsupportedFormat(manifest);
  if (format) throw new RestoreError('restore.backup-not-restorable', `${format}; nothing was written`, { subject: manifest.name });
  // Velero restores Completed and PartiallyFailed backups; a PartiallyFailed one (a safety
  // backup can be one) restores what it holds, with a warning.
  if (manifest.phase === 'Completed') return { manifest, warnings: [] };
  if (manifest.phase === 'PartiallyFailed') {
    return { manifest, warnings: [`backup ${manifest.name} is PartiallyFailed: it may lack items that failed to back up`] };
  }
  throw new RestoreError('restore.backup-not-restorable', `backup ${manifest.name} in location ${locationName} is ${manifest.phase}, not Completed: it cannot be restored`, { subject: manifest.name });
}

async function resolveByPolicy(policy: string, at: string | undefined, store: ResolveStore, locationName: string): Promise<ResolvedBackup> {
  let cutoff: number | undefined;
  if (at !== undefined) {
    cutoff = Date.parse(at);
    if (Number.isNaN(cutoff)) throw new RestoreError('restore.spec', `spec.at "${at}" is not an RFC3339 time (e.g. 2026-11-21T06:00:00Z)`);
  }
  const inventory = await store.listInventory();
  const candidates = inventory.backups
    .map((b) => b.manifest)
    .filter((m): m is BackupManifest => !!m && m.policy === policy && m.phase === 'Completed' && !m.preRestoreFor)
    .filter((m) => cutoff === undefined || Date.parse(m.completionTimestamp) <= cutoff)
    .sort((a, b) => Date.parse(b.completionTimestamp) - Date.parse(a.completionTimestamp) || (a.name < b.name ? 1 : -1));
  const chosen = candidates[0];
  if (!chosen) {
    const when = at === undefined ? '' : ` completed at or before ${at}`;
    throw new RestoreError('restore.backup-not-found', `policy ${policy} has no Completed backup${when} in location ${locationName}`, { subject: policy });
  }
  return checkRestorable(chosen, locationName);
}
