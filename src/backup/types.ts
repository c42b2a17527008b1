// What backup execution needs from its collaborators. The storage module's BackupStore
// satisfies BackupTarget structurally; the backup code depends on nothing more than this.
import type { Readable } from 'node:stream';
import type { ArtifactDigest, BackupManifest } from '../storage/types.ts';

export type ManifestInput = Omit<BackupManifest, 'artifacts' | 'encryption' | 'formatVersion'>;

/** One backup being written: artifacts first, the manifest last. */
export interface BackupUpload {
  writeResources(src: Readable): Promise<ArtifactDigest>;
  /** index.json.gz, streamed as it is built while archiving (backup/index-rows.ts). */
  writeIndexStream(src: Readable): Promise<ArtifactDigest>;
  /** etcd.db.gz (a gzipped etcd snapshot), for backups of type etcd. */
  writeEtcd(src: Readable): Promise<ArtifactDigest>;
  writeLog(lines: object[]): Promise<ArtifactDigest>;
  commit(input: ManifestInput): Promise<BackupManifest>;
  abort(): Promise<void>;
}

export interface BackupTarget {
  beginBackup(name: string): BackupUpload | Promise<BackupUpload>;
  acquireLock(policy: string, holder: string, ttlMs: number): Promise<{ release(): Promise<void> }>;
}

export interface BackupProgress {
  /** Resource lists planned (per namespace when namespaces are listed one by one). */
  resources: number;
  resourcesDone: number;
  items: number;
  /** Uncompressed JSON bytes archived so far. */
  bytes: number;
}

export type BackupErrorCode = 'backup.upload' | 'backup.aborted' | 'backup.selection';

export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(
    readonly code: BackupErrorCode,
    message: string,
    readonly backup: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What every backup records of how it was asked for, whatever it holds (resources or etcd): the manifest's own fields. */
export type BackupOrigin = Pick<ManifestInput, 'policy' | 'location' | 'gitRevision' | 'scheduledTime' | 'trigger' | 'preRestoreFor'>;

/**
 * The manifest fields every backup shares, in one place: who asked (policy, location, Git
 * revision, slot or trigger), when it ran, and which engine wrote it.
 */
export function manifestOrigin(opts: BackupOrigin, start: Date, engineVersion: string): Pick<ManifestInput, 'policy' | 'location' | 'gitRevision' | 'scheduledTime' | 'trigger' | 'preRestoreFor' | 'startTimestamp' | 'completionTimestamp' | 'engineVersion'> {
  return {
    policy: opts.policy,
    location: opts.location,
    ...(opts.gitRevision ? { gitRevision: opts.gitRevision } : {}),
    ...(opts.scheduledTime ? { scheduledTime: opts.scheduledTime } : {}),
    ...(opts.trigger ? { trigger: opts.trigger } : {}),
    ...(opts.preRestoreFor ? { preRestoreFor: opts.preRestoreFor } : {}),
    startTimestamp: start.toISOString(),
    completionTimestamp: new Date().toISOString(),
    engineVersion,
  };
}
