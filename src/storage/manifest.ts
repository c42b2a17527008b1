// Reading a manifest's artifacts whatever the backup holds: resources (archive, index, log) or an
// etcd snapshot (snapshot, log). Callers ask here rather than reaching into `artifacts`.
import type { ArtifactDigest, BackupManifest, EtcdArtifacts, ResourceArtifacts } from './types.ts';

export function isEtcdBackup(m: BackupManifest): m is BackupManifest & { type: 'etcd'; artifacts: EtcdArtifacts } {
  return m.type === 'etcd';
}

export function resourceArtifacts(m: BackupManifest): ResourceArtifacts | undefined {
  return 'resources' in m.artifacts ? m.artifacts : undefined;
}

/** The artifact holding the backup's content: resources.tar.gz[.enc] or etcd.db.gz[.enc]. */
export function payloadArtifact(m: BackupManifest): ArtifactDigest {
  return 'etcd' in m.artifacts ? m.artifacts.etcd : m.artifacts.resources;
}

/** Every artifact the manifest records, in a stable order. */
export function artifactList(m: BackupManifest): ArtifactDigest[] {
  return Object.values(m.artifacts) as ArtifactDigest[];
}

/** Bytes the backup takes in its location: every artifact (archive, index, log; or snapshot, log). */
export function storedBytes(m: BackupManifest): number {
  return artifactList(m).reduce((n, a) => n + a.size, 0);
}

/** The one line shown for a backup that did not complete: its first error, else its first warning. */
export function incompleteMessage(m: BackupManifest): string | undefined {
  return m.phase === 'Completed' ? undefined : (m.errors[0] ?? m.warnings[0]);
}
