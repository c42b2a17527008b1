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
}

/** An in-flight backup guard (locks/<policy>.json). */
export interface ObservedLock {
  policy: string;
  holder: string;
  acquiredAt: string;
  expires: string;
}

/** One location's inventory as listed this tick. */
export interface ObservedInventory {
  location: string;
  listedAt: string;
  backups: ObservedBackup[];
  locks: ObservedLock[];
  /** Names of restores whose result exists. */
  restores: string[];
}
