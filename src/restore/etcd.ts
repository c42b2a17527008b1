// etcd restores. `cairn etcd restore` rebuilds one member's data directory (the work itself in
// etcd/restore.ts). A RestoreRequest naming an etcd backup (or a policy of type etcd) never touches the cluster:
// an etcd restore rebuilds each member's data directory on that member's machine. The engine
// verifies the backup (cairn's sha256 and etcd's hash) and commits, in the request's status,
// the exact `cairn etcd restore` command for each member, so the restore is reviewed and
// audited in Git (KKP's EtcdRestore phases, RKE's snapshot-restore step, made reviewable).
import type { RestoreRequest } from '../api/types.ts';
import { openChosen, type ChosenLocation } from '../backup/inspect.ts';
import { restoreEtcdMember as restoreMember, type EtcdRestoreOptions, type EtcdRestoreResult } from '../etcd/restore.ts';
import type { BackupStore } from '../storage/index.ts';
import type { BackupManifest } from '../storage/types.ts';
import type { EtcdRestorePlan, RestoreResult } from './types.ts';
import { restoreSpecHash } from './spec-hash.ts';

/**
 * `cairn etcd restore`: opens the location the command chose, verifies the etcd backup and
 * rebuilds one member's data directory from it (etcd/restore.ts).
 */
export async function restoreEtcdMember(at: ChosenLocation, backup: string, opts: EtcdRestoreOptions): Promise<EtcdRestoreResult> {
  return restoreMember(await openChosen(at), backup, opts);
}

/** Quotes a shell word only when it needs it. */
function sh(word: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** One command per member of the cluster as it was when the snapshot was taken. Pure. */
export function memberRestoreCommands(manifest: BackupManifest, location: string, token: string): EtcdRestorePlan['commands'] {
  const members = (manifest.etcd?.members ?? []).filter((m) => m.name && m.peerURLs.length > 0);
  const initialCluster = members.flatMap((m) => m.peerURLs.map((u) => `${m.name}=${u}`)).join(',');
  return members.map((m) => ({
    member: m.name,
    command: [
      'cairn', 'etcd', 'restore', manifest.name,
      '--location', location,
      '--repo', '.',
      '--data-dir', `/var/lib/etcd-from-${manifest.name}`,
      '--name', m.name,
      '--initial-cluster', initialCluster,
      '--initial-advertise-peer-urls', m.peerURLs.join(','),
      '--initial-cluster-token', token,
    ].map(sh).join(' '),
  }));
}

export async function planEtcdRestore(request: RestoreRequest, store: BackupStore, manifest: BackupManifest, now: () => Date): Promise<RestoreResult> {
  const start = now().toISOString();
  const problems: string[] = [];
  if (manifest.phase !== 'Completed' || !manifest.etcd) problems.push(`backup ${manifest.name} is ${manifest.phase}: it holds no snapshot to restore`);
  else {
    const verified = await store.verify(manifest.name);
    problems.push(...verified.problems.map((p) => p.message));
  }
  const ok = problems.length === 0;
  const etcd: EtcdRestorePlan = {
    verified: ok,
    problems,
    ...(manifest.etcd ? { revision: manifest.etcd.revision, snapshotSize: manifest.etcd.snapshotSize, etcdSha256: manifest.etcd.etcdSha256 } : {}),
    commands: ok ? memberRestoreCommands(manifest, store.name, `${request.metadata.name}`) : [],
  };
  const result: RestoreResult = {
    formatVersion: 1,
    name: request.metadata.name,
    phase: ok ? 'Completed' : 'Failed',
    dryRun: false,
    backup: manifest.name,
    location: store.name,
    cluster: manifest.cluster.name,
    specHash: restoreSpecHash(request.spec),
    startTimestamp: start,
    completionTimestamp: now().toISOString(),
    counts: { total: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 },
    items: [],
    warnings: ok ? [`etcd backup ${manifest.name} verified; the cluster was not touched: run the ${etcd.commands.length} commands in this status, one on each member, to restore it`] : [],
    errors: problems,
    etcd,
  };
  await store.writeRestoreResult(request.metadata.name, result);
  return result;
}
