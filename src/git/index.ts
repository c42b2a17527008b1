// The policy repository adapter (DESIGN §5 git/): clone/fetch, read at a revision, write status,
// commit, push with rebase-retry, and read cairn's commits back for `cairn audit`.
export { openPolicyRepo, PolicyRepo } from './repo.ts';
export type { PolicyRepoOptions, SyncResult, StatusChange, CommitResult } from './repo.ts';
export { GitError, scrub } from './errors.ts';
export type { GitErrorCode } from './errors.ts';
export type { AuditEntry, AuditAction, AuditFilter } from './audit.ts';
export { formatCommitMessage } from './message.ts';
export { statusPath, STATUS_DIR } from './status-paths.ts';
