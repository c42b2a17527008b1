// The pre-restore safety backup: before anything is written, snapshot the live objects in the
// scope the restore touches (its target namespaces, after mapping, and the group-resources of
// its items), so another restore from this backup undoes it. Objects the restore creates are
// not deleted by that undo (a restore never deletes); everything it changed is put back.
import type { Logger } from '../log.ts';
import { slotStamp } from '../schedule/naming.ts';
import type { ResourceSelection } from '../api/types.ts';
import type { ClusterClient } from '../cluster/client.ts';
import { runBackup } from '../backup/run.ts';
import type { BackupTarget } from '../backup/types.ts';
import type { BackupManifest } from '../storage/types.ts';
import { RestoreError } from './errors.ts';
import { targetNamespaces } from './mapping.ts';
import type { RestoreItem } from './types.ts';

/** `<restore>-pre-<YYYYMMDDhhmmss>` (UTC). */
export function safetyBackupName(restore: string, at: Date): string {
  return `${restore}-pre-${slotStamp(at)}`;
}

/** What the safety backup selects: the restore's target scope, without label filters. */
export function safetySelection(items: RestoreItem[]): ResourceSelection {
  const namespaces = targetNamespaces(items);
  const resources = [...new Set(items.map((i) => i.groupResource))].sort();
  const clusterScoped = items.some((i) => !i.namespace && i.groupResource !== 'namespaces');
  // Without target namespaces the items are all cluster-scoped: no namespace filter is needed,
  // since includedResources names no namespaced resource (and Velero's lists refuse
  // excludedNamespaces: ["*"]). includeClusterResources unset ("auto") rather than false, so the
  // Namespace objects of the target namespaces come along (false keeps every Namespace out).
  return {
    ...(namespaces.length ? { includedNamespaces: namespaces } : {}),
    includedResources: resources,
    ...(clusterScoped ? { includeClusterResources: true } : {}),
  };
}

export interface SafetyBackupOptions {
  client: ClusterClient;
  store: BackupTarget;
  restore: string;
  location: string;
  clusterName: string;
  items: RestoreItem[];
  at: Date;
  logger?: Logger;
}

export async function takeSafetyBackup(opts: SafetyBackupOptions): Promise<{ manifest: BackupManifest; warnings: string[] }> {
  const name = safetyBackupName(opts.restore, opts.at);
  let manifest: BackupManifest;
  try {
    manifest = await runBackup({
      client: opts.client,
      store: opts.store,
      name,
      // Its own policy name: safety backups never count toward a real policy's retention.
      policy: `${opts.restore}-pre`,
      location: opts.location,
      clusterName: opts.clusterName,
      selection: safetySelection(opts.items),
      preRestoreFor: opts.restore,
      logger: opts.logger,
    });
  } catch (err) {
    throw new RestoreError('restore.pre-restore-backup', `pre-restore backup ${name} could not be written, so nothing was restored: ${(err as Error).message}`, { subject: name, cause: err });
  }
  if (manifest.phase === 'Failed') {
    const why = manifest.errors[0] ?? 'the cluster could not be read';
    throw new RestoreError('restore.pre-restore-backup', `pre-restore backup ${name} Failed (${why}), so nothing was restored`, { subject: name });
  }
  const warnings = manifest.phase === 'PartiallyFailed' ? [`pre-restore backup ${name} is PartiallyFailed: ${[...manifest.errors, ...manifest.warnings].join('; ')}`] : [];
  return { manifest, warnings };
}
