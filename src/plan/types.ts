// The plan: what one tick will do, and why. computePlan (plan.ts) builds it from the desired
// objects at a revision, the observed inventories and the clock; the engine executes `actions`
// in order and reports `notes` and `blocked`. Everything here is plain data (JSON-serializable).
import type { PolicyRepository, ValidationError } from '../api/types.ts';
import type { ObservedInventory as Inventory } from '../api/inventory.ts';

/** What the engine knows about a policy whose file was removed (from the previous status). */
export interface RemovedPolicy {
  deletionPolicy: 'Retain' | 'Delete';
  /** Go duration; default 24h. */
  gracePeriod?: string;
}

export interface PlanOptions {
  /**
   * Cap on expiries and on deletes per tick, each counted separately (unexpiries and incomplete
   * clean-ups are not capped). Default: max(1, floor(10% of the backups with a manifest across
   * all inventories)). What the cap cuts is reported in `blocked`, never silently dropped.
   */
  maxDeletionsPerTick?: number;
  /** Lifts the cap (`--allow-mass-deletion`). */
  allowMassDeletion?: boolean;
  /** Age (from lastModified) after which an incomplete upload is cleaned; default 1h. */
  incompleteCleanupAfterMs?: number;
}

export interface PlanInput {
  repo: PolicyRepository;
  /** Git revision of the policy repository the plan is computed at. */
  revision: string;
  /** Observed inventory per BackupLocation name. A location missing here is "not observed". */
  inventories: Record<string, Inventory>;
  now: Date;
  /** Policies present in the previous status but absent from `repo`; unknown orphans are Retain. */
  removedPolicies?: Record<string, RemovedPolicy>;
  options?: PlanOptions;
}

// ---------------------------------------------------------------- actions

/** Take a backup. At most one per policy per tick. */
export interface BackupAction {
  type: 'backup';
  policy: string;
  location: string;
  backupName: string;
  /** RFC3339 UTC slot, for scheduled backups (goes into manifest.scheduledTime). */
  scheduledTime?: string;
  /** Trigger value, for one-time / on-demand backups (goes into manifest.trigger). */
  trigger?: string;
  reason: string;
}

/** Write backups/<backup>/expiry.json with this deleteAfter and reason. */
export interface ExpireAction {
  type: 'expire';
  location: string;
  backup: string;
  policy: string;
  /** RFC3339 UTC: now + gracePeriod. */
  deleteAfter: string;
  reason: string;
}

/** Remove backups/<backup>/expiry.json: the backup is wanted again. */
export interface UnexpireAction {
  type: 'unexpire';
  location: string;
  backup: string;
  policy: string;
  reason: string;
}

/** Delete every object under backups/<backup>/ (manifest first, so it stops existing at once). */
export interface DeleteAction {
  type: 'delete';
  location: string;
  backup: string;
  policy: string;
  /** The deleteAfter of the mark that allowed the deletion. */
  deleteAfter: string;
  reason: string;
}

/** Delete the objects of an upload that never wrote its manifest. */
export interface CleanupIncompleteAction {
  type: 'cleanupIncomplete';
  location: string;
  backup: string;
  lastModified: string;
  reason: string;
}

/** Run a RestoreRequest (the engine takes the pre-restore backup, verifies, applies, writes the result). */
export interface RestoreAction {
  type: 'restore';
  /** RestoreRequest name. */
  restore: string;
  /** Location holding the backup, where restores/<restore>/result.json.gz is written. */
  location: string;
  /** The backup resolved from spec.backupName or spec.policy (+ at). */
  backupName: string;
  reason: string;
}

export type PlanAction =
  | BackupAction
  | RestoreAction
  | UnexpireAction
  | ExpireAction
  | DeleteAction
  | CleanupIncompleteAction;

export type PlanActionType = PlanAction['type'];

/** Execution order of action types: creates first, then protective, then destructive. */
export const ACTION_ORDER: readonly PlanActionType[] = [
  'backup',
  'restore',
  'unexpire',
  'expire',
  'delete',
  'cleanupIncomplete',
];

// ---------------------------------------------------------------- non-actions

/** What a note or a blocked entry is about (any subset). */
export interface PlanSubject {
  policy?: string;
  location?: string;
  backup?: string;
  restore?: string;
  file?: string;
}

export type NoteCode =
  | 'frozen' // policy file invalid: its backups are frozen
  | 'orphans-frozen' // an invalid file without a readable name: no orphan handling at all
  | 'suspended'
  | 'satisfied' // the due slot / trigger already has a Completed or PartiallyFailed backup (routine)
  | 'slot-failed' // the due slot / trigger was attempted and Failed: not retried automatically
  | 'in-progress' // live lock
  | 'stale-lock' // expired lock, ignored
  | 'incomplete-attempt' // the slot's upload crashed; retried after clean-up
  | 'deferred' // a second due backup of the same policy waits for the next tick
  | 'last-completed' // kept only because it is the last Completed backup of its policy
  | 'retained' // removed policy, deletionPolicy Retain (or unknown)
  | 'restore-waiting'
  | 'expiring'; // marked, deleteAfter not reached yet

export interface PlanNote {
  code: NoteCode;
  subject: PlanSubject;
  message: string;
}

export type BlockedCode =
  | 'mass-deletion' // maxDeletionsPerTick cut some expiries or deletes
  | 'location-not-observed' // the policy's location has no inventory this tick
  | 'no-location' // the policy names no location and none is default
  | 'invalid-spec' // a schedule / duration / trigger the plan cannot use
  | 'restore-unresolvable'; // e.g. the backup to restore is Failed

export interface PlanBlocked {
  code: BlockedCode;
  subject: PlanSubject;
  message: string;
  /** Actions the guard held back (mass-deletion), in the order they would have run. */
  heldBack?: PlanAction[];
}

/** Per policy in the repo: what status needs from scheduling. */
export interface PolicySchedule {
  policy: string;
  location?: string;
  /** RFC3339 UTC; absent for one-time or suspended policies. */
  nextScheduledTime?: string;
  /** RFC3339 UTC: the latest slot at or before now (scheduled policies). */
  dueSlot?: string;
  suspended: boolean;
  frozen: boolean;
}

export interface Plan {
  revision: string;
  /** RFC3339 UTC of the clock the plan was computed for. */
  now: string;
  actions: PlanAction[];
  notes: PlanNote[];
  blocked: PlanBlocked[];
  policies: PolicySchedule[];
  /** The repository's invalid files, passed through for reports. */
  errors: ValidationError[];
  frozen: PolicyRepository['frozen'];
  /** The effective cap on expiries and on deletes this tick; null when allowMassDeletion lifted it. */
  maxDeletionsPerTick: number | null;
}

export interface PlanSummary {
  backups: number;
  restores: number;
  unexpiries: number;
  expiries: number;
  deletes: number;
  cleanups: number;
  blocked: number;
  notes: number;
  invalidFiles: number;
  /** Number of actions: 0 means "no changes" (`cairn plan --detailed-exitcode` exits 0). */
  total: number;
}

export type PlanFormat = 'text' | 'json' | 'markdown';
