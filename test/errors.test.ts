// One table from error codes to condition reasons (src/errors.ts): conditions carry CamelCase
// reasons (Kubernetes API conventions), never a message or a kebab-case plan code.
import { describe, expect, it } from 'vitest';
import { conditionReason, errorCode } from '../src/errors.ts';
import { StorageError } from '../src/storage/errors.ts';

describe('errorCode', () => {
  it("reads a cairn error's code, and calls anything else internal", () => {
    expect(errorCode(new StorageError('storage.lock-held', 'held by x', { location: 'primary' }))).toBe('storage.lock-held');
    expect(errorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('internal');
    expect(errorCode(new TypeError('bug'))).toBe('internal');
    expect(errorCode(undefined)).toBe('internal');
  });
});

describe('conditionReason', () => {
  it.each([
    ['storage.lock-held', 'LockHeld'],
    ['storage.io', 'LocationUnavailable'],
    ['storage.integrity', 'IntegrityCheckFailed'],
    ['cluster.network', 'ClusterUnavailable'],
    ['cluster.forbidden', 'ClusterForbidden'],
    ['git.push', 'GitUnavailable'],
    ['backup.upload', 'BackupFailed'],
    ['restore.namespace-terminating', 'NamespaceTerminating'],
    ['location-not-observed', 'LocationNotObserved'],
    ['stale-lock', 'StaleLock'],
    ['internal', 'Internal'],
  ])('%s → %s', (code, reason) => {
    expect(conditionReason(code)).toBe(reason);
    expect(reason).toMatch(/^[A-Z][A-Za-z0-9]*$/);
  });
});
