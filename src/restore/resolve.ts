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
  /**
   * Where the backup was found (backups/<name>/): what the restore reads, never the manifest's
   * own `name`, so a manifest moved between backups is caught by storage, not followed.
   */
  name: string;
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
  return checkRestorable(name, manifest, locationName);
}

function checkRestorable(name: string, manifest: BackupManifest, locationName: string): ResolvedBackup {
  const format = unsupportedFormat(manifest);
  if (format) throw new RestoreError('restore.backup-not-restorable', `${format}; nothing was written`, { subject: manifest.name });
  // Velero restores Completed and PartiallyFailed backups; a PartiallyFailed one (a safety
  // backup can be one) restores what it holds, with a warning.
  if (manifest.phase === 'Completed') return { name, manifest, warnings: [] };
  if (manifest.phase === 'PartiallyFailed') {
    return { name, manifest, warnings: [`backup ${manifest.name} is PartiallyFailed: it may lack items that failed to back up`] };
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
    .filter((b): b is typeof b & { manifest: BackupManifest } => {
      const m = b.manifest;
      return !!m && m.policy === policy && m.phase === 'Completed' && !m.preRestoreFor && (cutoff === undefined || Date.parse(m.completionTimestamp) <= cutoff);
    })
    .sort((a, b) => Date.parse(b.manifest.completionTimestamp) - Date.parse(a.manifest.completionTimestamp) || (a.name < b.name ? 1 : -1));
  // A backup's name starts with its policy's; a manifest claiming another policy was edited or
  // moved, and never stands in for that policy's backups.
  const misplaced = candidates.filter((b) => !b.name.startsWith(`${policy}-`));
  const chosen = candidates.find((b) => b.name.startsWith(`${policy}-`));
  const warnings = misplaced.map((b) => `backup ${b.name} in location ${locationName} claims policy ${policy}, but its name does not start with "${policy}-"; it was skipped`);
  if (!chosen) {
    const when = at === undefined ? '' : ` completed at or before ${at}`;
    const skipped = misplaced.length ? ` (skipped ${misplaced.map((b) => b.name).join(', ')}: a backup claiming policy ${policy} whose name does not start with "${policy}-")` : '';
    throw new RestoreError('restore.backup-not-found', `policy ${policy} has no Completed backup${when} in location ${locationName}${skipped}`, { subject: policy });
  }
  const resolved = checkRestorable(chosen.name, chosen.manifest, locationName);
  return { ...resolved, warnings: [...warnings, ...resolved.warnings] };
}
