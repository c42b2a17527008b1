// Shapes of a restore: what it is asked to do, what happened to each item, and the
// result stored as restores/<name>/result.json.gz (DESIGN §3).
import type { RestoreRequestSpec } from '../api/types.ts';
import type { KubeObject } from '../cluster/types.ts';

export type RestorePhase = 'New' | 'InProgress' | 'Completed' | 'PartiallyFailed' | 'Failed' | 'FailedValidation';

/** What a real restore did to one item. */
export type RestoreAction = 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';
/** What a dry run would do to one item (computed with GETs only). */
export type PlannedAction = 'create' | 'update' | 'unchanged' | 'skip';

/** One changed field between the live object and the backup's state, as a JSON pointer. */
export interface FieldChange {
  path: string;
  op: 'add' | 'remove' | 'replace';
  /** Present for scalars (string, number, boolean, null); objects and arrays are named by path only. */
  old?: unknown;
  new?: unknown;
}

export interface RestoreItemResult {
  groupResource: string;
  /** Namespace the item was restored into (after namespaceMapping). */
  namespace?: string;
  name: string;
  /** The item's namespace in the backup, when namespaceMapping changed it. */
  backupNamespace?: string;
  action: RestoreAction | PlannedAction;
  /** For existing objects: whether the live object differs from the backup's state. */
  differs?: boolean;
  /** Field diff live → backup (dry runs, and skipped items that differ). */
  diff?: FieldChange[];
  /** Indexes of the modifier rules that changed the item. */
  modifiers?: number[];
  /** Why the item was skipped. */
  reason?: string;
  error?: string;
}

export interface RestoreCounts {
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
}

export interface RestoreResult {
  formatVersion: 1;
  name: string;
  phase: RestorePhase;
  dryRun: boolean;
  /** The backup restored from; absent when it could not be resolved. */
  backup?: string;
  location?: string;
  cluster: string;
  /** sha256 of the canonical JSON of the spec that ran (restoreSpecHash). */
  specHash: string;
  /** Name of the safety backup taken before applying anything. */
  preRestoreBackup?: string;
  startTimestamp: string;
  completionTimestamp: string;
  counts: RestoreCounts;
  items: RestoreItemResult[];
  warnings: string[];
  errors: string[];
  /** A request naming an etcd backup: verified only, and the commands to run on each member. */
  etcd?: EtcdRestorePlan;
}

export interface EtcdRestorePlan {
  /** cairn's sha256 of every artifact and etcd's own hash of the snapshot were checked. */
  verified: boolean;
  problems: string[];
  revision?: number;
  snapshotSize?: number;
  etcdSha256?: string;
  /** One `cairn etcd restore` per member, to run where its data directory lives. */
  commands: { member: string; command: string }[];
}

/** A RestoreRequest, or a manual restore built by the CLI: a name and a spec. */
export interface RestoreInput {
  metadata: { name: string };
  spec: RestoreRequestSpec;
}

/** One item on its way through the pipeline. */
export interface RestoreItem {
  groupResource: string;
  /** Namespace in the backup. */
  backupNamespace?: string;
  /** Namespace it is restored into. */
  namespace?: string;
  name: string;
  object: KubeObject;
  /** Synthesized (not in the backup): a target namespace that must exist. */
  synthesized?: boolean;
  modifiers?: number[];
}
