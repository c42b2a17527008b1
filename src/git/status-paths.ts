// cairn writes only under status/ (DESIGN §1: "Status commits touch only status/, so a rebase onto
// human commits is clean"). Every path is checked here before anything touches the work tree.
import { posix } from 'node:path';
import { GitError } from './errors.ts';

export const STATUS_DIR = 'status';

/**
 * Returns the normalised repository-relative path (`status/policies/kcm.yaml`), or throws
 * `git.path-outside-status` for anything that would land elsewhere: absolute paths, `..`
 * escapes, backslashes, `.git` components, or `status` itself.
 */
export function statusPath(path: string): string {
  const refuse = (why: string): never => {
    throw new GitError('git.path-outside-status', `refusing to write "${path}": ${why}; cairn writes only files under ${STATUS_DIR}/`, path);
  };
  if (path.includes('\\') || path.includes('\0')) refuse('backslashes and NUL are not allowed in status paths');
  if (path.startsWith('/')) refuse('the path is absolute');
  if (path.split('/').includes('..')) refuse('the path contains ".."');
  const normal = posix.normalize(path);
  if (!normal.startsWith(`${STATUS_DIR}/`) || normal.length === STATUS_DIR.length + 1) refuse('it is not a file under status/');
  if (normal.endsWith('/')) refuse('it names a directory, not a file');
  if (normal.split('/').some((part) => part.toLowerCase() === '.git')) refuse('it names a .git component');
  return normal;
}
