// What the core reads of a BackupLocation's inventory: the shapes the plan and the schedule
// need, defined here so the core depends on no adapter (ARCHITECTURE.md). storage/ lists
// values of richer types (storage/types.ts) that satisfy these structurally; nothing here is
// read from or written to storage directly.

export type BackupPhase = 'Completed' | 'PartiallyFailed' | 'Failed';

/** A backup's manifest, as far as planning needs it. */
export interface ObservedManifest {
  name: string;
  phase: BackupPhase;
  policy: string;
  /** The schedule slot (RFC3339) for scheduled backups. */
  scheduledTime?: string;
  /** The trigger value for one-time backups. */
  trigger?: string;
  /** Set for a restore's safety backup. */
  preRestoreFor?: string;
  startTimestamp: string;
  completionTimestamp: string;
}

/** A retention mark (expiry.json). */
export interface ObservedExpiry {
  deleteAfter: string;
  reason: string;
  revision?: string;
  markedAt: string;
}

/** A backup found in a location: complete when its manifest exists. */
export interface ObservedBackup {
  name: string;
  manifest?: ObservedManifest;
  /** No manifest: an incomplete upload, never restorable. */
  incomplete: boolean;
  expiry?: ObservedExpiry;
  /** Newest lastModified of the backup's objects (for cleaning incomplete uploads). */
  lastModified: string;
  /** manifest.json exists but cannot be read: neither restorable nor an upload to clean. */
  manifestError?: string;
  /** expiry.json exists but cannot be read ("<code>: <message>"): the backup is left alone. */
  expiryError?: string;
}

/** An in-flight backup guard (locks/<policy>.json). */
export interface ObservedLock {
  policy: string;
  holder: string;
  acquiredAt: string;
  /** The lease's end: the last heartbeat plus the lease length. */
  expires: string;
  /** The holder's last renewal. */
  heartbeat?: string;
  /** A heartbeat older than this (ms) marks the lock stale, whatever `expires` says. */
  staleAfterMs?: number;
  /** Why the owner is provably not running any more (set by the listing on the owner's host). */
  ownerGone?: string;
}

/** One location's inventory as listed this tick. */
export interface ObservedInventory {
  location: string;
  listedAt: string;
  backups: ObservedBackup[];
  locks: ObservedLock[];
  /** Names of restores whose result exists. */
  restores: string[];
  /** Lock objects that exist but cannot be read ("<code>: <message>"). */
  lockErrors?: { key: string; error: string }[];
}
