// Errors are values with a stable code ("storage.lock-held", "cluster.forbidden"), set by the
// room that raised them (storage/errors.ts, cluster/errors.ts, git/errors.ts, …). Everything that
// reports an error reads its code through this one table, never its message: the reason of a
// status condition (Kubernetes conventions: a CamelCase word, `BackupFailed`, `LockHeld`), the
// `reason` label of metrics, and log fields. Pure.

/** The code of an error cairn raised, or `internal` for anything else (a bug, or a library's throw). */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[a-z][a-z0-9]*\.[a-z0-9-]+$/.test(code) ? code : 'internal';
}

/** Codes whose reason is more specific than their room's. */
const EXACT: Record<string, string> = {
  'storage.lock-held': 'LockHeld',
  'storage.integrity': 'IntegrityCheckFailed',
  'restore.integrity': 'IntegrityCheckFailed',
  'storage.wrong-key': 'WrongEncryptionKey',
  'storage.credentials': 'LocationCredentialsMissing',
  'storage.access-denied': 'LocationAccessDenied',
  'cluster.forbidden': 'ClusterForbidden',
  'cluster.unauthorized': 'ClusterUnauthorized',
  'restore.namespace-terminating': 'NamespaceTerminating',
  'restore.backup-not-found': 'BackupNotFound',
  'backup.aborted': 'Abandoned',
  'git.rebase-conflict': 'StatusConflict',
};

/** The reason of every other code in a room. */
const ROOM: Record<string, string> = {
  storage: 'LocationUnavailable',
  cluster: 'ClusterUnavailable',
  git: 'GitUnavailable',
  backup: 'BackupFailed',
  restore: 'RestoreFailed',
  etcd: 'EtcdUnavailable',
};

/**
 * The CamelCase condition reason for a code: an error code ("storage.io" → LocationUnavailable),
 * or one of the plan's note codes ("location-not-observed" → LocationNotObserved).
 */
export function conditionReason(code: string): string {
  if (EXACT[code]) return EXACT[code];
  const dot = code.indexOf('.');
  if (dot > 0) return ROOM[code.slice(0, dot)] ?? 'Failed';
  const camel = code
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
  return camel || 'Unknown';
}
