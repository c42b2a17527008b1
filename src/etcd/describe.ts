// How an etcd backup's metadata reads in `cairn backups describe`.
import type { EtcdSnapshotInfo } from '../storage/types.ts';

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
