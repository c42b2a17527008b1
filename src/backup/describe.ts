// How a backup's manifest reads in the CLI (`cairn backups list|describe`, `cairn backup create`),
// whatever it holds: API objects or an etcd snapshot.
import type { BackupManifest, EtcdSnapshotInfo } from '../storage/types.ts';
import { payloadArtifact } from '../storage/manifest.ts';

/** Bytes of the artifact holding the backup's content (resources.tar.gz or etcd.db.gz, as stored). */
export function payloadSize(m: BackupManifest): number {
  return payloadArtifact(m).size;
}

export function etcdDescribeRows(e: EtcdSnapshotInfo): [string, string][] {
  return [
    ['etcd version', e.version],
    ['etcd cluster', e.clusterId],
    ['etcd member', `${e.member.name || '-'} (id ${e.member.id}, ${e.member.endpoint})`],
    ['Revision', String(e.revision)],
    ['DB size', `${e.dbSize} bytes`],
    ['Snapshot', `${e.snapshotSize} bytes, etcd sha256:${e.etcdSha256}`],
    ['Duration', `${(e.durationMs / 1000).toFixed(1)}s`],
  ];
}
