// The policy repository adapter (DESIGN §5 git/): clone/fetch, read at a revision, write status,
// commit, push with rebase-retry, and read cairn's commits back for `cairn audit`.
// Credentials (CAIRN_GIT_TOKEN[_FILE], CAIRN_GIT_USERNAME, CAIRN_GIT_SSH_KEY_FILE, ...): see credentials.ts.
// Why sync may hard-reset cairn's clone, and why pushes are never forced: see repo.ts.
export { openPolicyRepo, PolicyRepo } from './repo.ts';
export type { PolicyRepoOptions, SyncResult, StatusChange, CommitResult } from './repo.ts';
export { GitError, scrub } from './errors.ts';
export type { GitErrorCode } from './errors.ts';
export type { AuditEntry, AuditAction, AuditFilter } from './audit.ts';
export { formatCommitMessage } from './message.ts';
export { statusPath, STATUS_DIR } from './status-paths.ts';
