// Restore errors: a stable code, what they concern and a message a user can act on.
// FailedValidation codes mean nothing was written to the cluster.

export type RestoreErrorCode =
  | 'restore.backup-not-found'
  | 'restore.backup-not-restorable'
  | 'restore.integrity'
  | 'restore.modifiers'
  | 'restore.spec'
  | 'restore.cluster'
  | 'restore.namespace-terminating'
  | 'restore.pre-restore-backup';

export class RestoreError extends Error {
  readonly code: RestoreErrorCode;
  /** The backup, file or object the error concerns. */
  readonly subject?: string;
  constructor(code: RestoreErrorCode, message: string, opts: { subject?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RestoreError';
    this.code = code;
    this.subject = opts.subject;
  }

  /** Codes that end the restore in FailedValidation: the request cannot run as written. */
  get validation(): boolean {
    return this.code !== 'restore.cluster' && this.code !== 'restore.pre-restore-backup' && this.code !== 'restore.namespace-terminating';
  }
}
