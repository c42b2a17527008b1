// What executing one plan action came to. The report (status files and the commit) is built
// from these, so every action — success or failure — leaves a line in Git.
import type { PlanAction } from '../plan/types.ts';
import type { BackupManifest, ExpiryMark } from '../storage/types.ts';
import type { RestoreResult } from '../restore/types.ts';

export type ActionOutcome =
  | 'Completed'
  | 'PartiallyFailed'
  | 'Failed'
  | 'FailedValidation'
  | 'Expiring'
  | 'Unexpired'
  | 'Deleted'
  | 'Cleaned'
  | 'Skipped';

export interface ActionResult {
  action: PlanAction;
  outcome: ActionOutcome;
  /** RFC3339 of when the action finished (engine clock). */
  at: string;
  message?: string;
  /** A failure's error code (src/errors.ts) and the condition reason it maps to. */
  code?: string;
  reason?: string;
  manifest?: BackupManifest;
  restore?: RestoreResult;
  /** The expiry mark an expire action wrote. */
  expiry?: ExpiryMark;
  /** The pre-restore safety backup a restore took. */
  safety?: BackupManifest;
}

/** The object an action is about, as written in commit trailers: "backup kcm-20261121060000". */
export function actionObject(a: PlanAction): string {
  switch (a.type) {
    case 'backup':
      return `backup ${a.backupName}`;
    case 'restore':
      return `restore ${a.restore}`;
    case 'cleanupIncomplete':
      return `cleanup ${a.backup}`;
    default:
      return `${a.type} ${a.backup}`;
  }
}

/** The policy an action belongs to, if any. */
export function actionPolicy(a: PlanAction): string | undefined {
  return 'policy' in a ? a.policy : undefined;
}
