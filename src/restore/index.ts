// Public surface of the restore module, for the reconciler and the CLI.
export { runRestore, countResults, type RunRestoreOptions, type RestoreStore, type RestoreProgress } from './run.ts';
export { restoreSpecHash } from './spec-hash.ts';
export { renderRestoreText } from './report.ts';
export { RestoreError, type RestoreErrorCode } from './errors.ts';
export { safetyBackupName } from './safety.ts';
export type { RestoreResult, RestoreItemResult, RestorePhase, RestoreAction, PlannedAction, FieldChange, RestoreCounts, RestoreInput } from './types.ts';
