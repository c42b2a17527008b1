// Storage errors: values with a stable code, the object they concern and a message a user can act on.

export type StorageErrorCode =
  | 'storage.integrity'
  | 'storage.lock-held'
  | 'storage.wrong-key'
  | 'storage.not-found'
  | 'storage.credentials'
  | 'storage.config'
  | 'storage.incomplete'
  | 'storage.invalid-name'
  | 'storage.too-large'
  | 'storage.access-denied'
  | 'storage.wrong-type'
  | 'storage.unavailable'
  | 'storage.io';

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  /** The location and/or object key the error concerns. */
  readonly location?: string;
  readonly key?: string;
  constructor(code: StorageErrorCode, message: string, opts: { location?: string; key?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.location = opts.location;
    this.key = opts.key;
  }
}

/** A stored artifact or item does not match its recorded sha256/size, or ciphertext failed authentication. */
export class IntegrityError extends StorageError {
  readonly artifact: string;
  readonly expected?: string;
  readonly actual?: string;
  constructor(artifact: string, message: string, opts: { location?: string; key?: string; expected?: string; actual?: string } = {}) {
    super('storage.integrity', message, opts);
    this.artifact = artifact;
    this.expected = opts.expected;
    this.actual = opts.actual;
  }
}

export class LockHeldError extends StorageError {
  readonly policy: string;
  readonly holder: string;
  readonly expires: string;
  constructor(policy: string, holder: string, expires: string, opts: { location?: string; key?: string } = {}) {
    super('storage.lock-held', `backup of policy ${policy} is already running (held by ${holder} until ${expires})`, opts);
    this.policy = policy;
    this.holder = holder;
    this.expires = expires;
  }
}

/** The passphrase or key file does not unwrap the backup's data key. */
export class WrongKeyError extends StorageError {
  constructor(message: string, opts: { location?: string; key?: string } = {}) {
    super('storage.wrong-key', message, opts);
  }
}

export class NotFoundError extends StorageError {
  constructor(message: string, opts: { location?: string; key?: string } = {}) {
    super('storage.not-found', message, opts);
  }
}

/** A credential or passphrase the location refers to is missing; names the variable, never a value. */
export class CredentialsError extends StorageError {
  constructor(message: string, opts: { location?: string } = {}) {
    super('storage.credentials', message, opts);
  }
}

/** The location spec cannot be used as written. */
export class LocationConfigError extends StorageError {
  constructor(message: string, opts: { location?: string } = {}) {
    super('storage.config', message, opts);
  }
}

/** The backup has no manifest: an incomplete upload, never restorable. */
export class IncompleteBackupError extends StorageError {
  constructor(name: string, opts: { location?: string } = {}) {
    super('storage.incomplete', `backup ${name} has no manifest.json: it is an incomplete upload and cannot be restored`, opts);
  }
}
