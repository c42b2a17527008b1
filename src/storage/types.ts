import type { LockOwner } from './lock-owner.ts';
// Shapes stored in a BackupLocation (DESIGN §3). Metadata is plain JSON, never encrypted,
// so listings and plans work without the key; it never holds a credential.

import type { BackupPhase } from '../api/inventory.ts';

export type { BackupPhase };

export interface ArtifactDigest {
  /** File name inside backups/<name>/, e.g. "resources.tar.gz.enc". */
  file: string;
  sha256: string;
  size: number;
}

export interface EncryptionHeader {
  algorithm: 'AES-256-GCM';
  /** Plaintext bytes per authenticated chunk. */
  chunkSize: number;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string /* base64 */ } | { name: 'keyfile' };
  /** The random per-backup data key, wrapped (AES-256-GCM) by the key-encryption key; base64. */
  wrappedKey: string;
  wrapIv: string;
  wrapTag: string;
  /** sha256 fingerprint of the key-encryption key's check value, to tell a wrong passphrase from tampering. */
  keyId: string;
  /** Random per-backup nonce prefix; chunk IVs are derived from it and the chunk index. */
  noncePrefix: string;
  /**
   * HMAC-SHA256 of the whole manifest, keyed from the data key (crypto.manifestMac): the record
   * that the backup is encrypted, and every other field, cannot be edited without the key.
   * Absent on a sealed object's header.
   */
  mac?: string;
}

/** Where an etcd snapshot came from and what it holds (issue 14). */
export interface EtcdSnapshotInfo {
  /** etcd server version of the member, e.g. "3.4.23". */
  version: string;
  /** Cluster and member ids, in hex as etcdctl prints them. */
  clusterId: string;
  member: { id: string; name: string; endpoint: string };
  /** Revision of the key space when the snapshot was taken. */
  revision: number;
  /** The member's database size (bytes allocated) when the snapshot was taken. */
  dbSize: number;
  /** Bytes of the snapshot stream, etcd's trailing sha256 included (what etcdctl saves). */
  snapshotSize: number;
  /** etcd's own sha256 of the database, as appended to the stream and checked while streaming. */
  etcdSha256: string;
  durationMs: number;
  /** The cluster's members when the snapshot was taken: what a restore rebuilds, one data dir each. */
  members?: { id: string; name: string; peerURLs: string[]; clientURLs: string[] }[];
}

export interface ResourceArtifacts {
  resources: ArtifactDigest;
  index: ArtifactDigest;
  log: ArtifactDigest;
}

export interface EtcdArtifacts {
  etcd: ArtifactDigest;
  log: ArtifactDigest;
}

export interface BackupManifest {
  formatVersion: number;
  /** What the backup holds; absent = resources (manifests written before etcd backups existed). */
  type?: 'resources' | 'etcd';
  name: string;
  phase: BackupPhase;
  policy: string;
  location: string;
  /** Git revision of the policy repository the backup was planned at. */
  gitRevision?: string;
  /** The schedule slot (RFC3339) for scheduled backups. */
  scheduledTime?: string;
  /** The trigger value for one-time backups. */
  trigger?: string;
  /** Set for a restore's safety backup. */
  preRestoreFor?: string;
  startTimestamp: string;
  completionTimestamp: string;
  cluster: { name: string; server?: string; serverVersion: string };
  engineVersion: string;
  /** Group-resources backed up, sorted. */
  resources: string[];
  itemCounts: Record<string, number>;
  totalItems: number;
  warnings: string[];
  errors: string[];
  artifacts: ResourceArtifacts | EtcdArtifacts;
  /** Set for type etcd. */
  etcd?: EtcdSnapshotInfo;
  encryption?: EncryptionHeader;
}

/** One row of index.json.gz: an item in the archive. */
export interface IndexEntry {
  groupResource: string;
  namespace?: string;
  name: string;
  /** Path inside the tar (layout.itemPath). */
  path: string;
  sha256: string;
  size: number;
  apiVersion?: string;
  kind?: string;
}

export interface ExpiryMark {
  deleteAfter: string; // RFC3339
  reason: string;
  revision?: string;
  markedAt: string;
}

export interface LockInfo {
  policy: string;
  holder: string;
  acquiredAt: string;
  /** The lease's end: the last heartbeat plus the lease length. */
  expires: string;
  /** Who holds it (host, pid, pid start, boot, engine id), to prove a holder dead. */
  owner?: LockOwner;
  /** The holder's last renewal. */
  heartbeat?: string;
  /** A heartbeat older than this (ms) marks the lock stale, whatever `expires` says. */
  staleAfterMs?: number;
  /** Set by listings, never stored: why the owner is provably not running (lock-owner.ownerGone). */
  ownerGone?: string;
}

export interface InventoryBackup {
  name: string;
  /** Present when manifest.json exists: the backup exists. */
  manifest?: BackupManifest;
  /** No manifest: an incomplete upload, never restorable. */
  incomplete: boolean;
  expiry?: ExpiryMark;
  /** Newest lastModified of the backup's objects (for cleaning incomplete uploads). */
  lastModified: string;
  /** File names present under backups/<name>/. */
  files: string[];
  /** manifest.json exists but cannot be read or parsed: neither restorable nor an incomplete upload to clean. */
  manifestError?: string;
  /** expiry.json exists but cannot be read ("<code>: <message>"): reported, never read as absent. */
  expiryError?: string;
}

export interface Inventory {
  location: string;
  listedAt: string;
  backups: InventoryBackup[];
  locks: LockInfo[];
  restores: string[];
  /** The location marker (storage/marker.ts) is present; absent on listings made before markers. */
  marked?: boolean;
  /** Lock objects that exist but cannot be read ("<code>: <message>"): reported, never read as absent. */
  lockErrors?: { key: string; error: string }[];
}
