// Reading a policy repository at a remote's branch head without a tick: a clone (or fetch) into
// a work directory, for the commands that take a Git URL or bare repository as --repo.
import { openPolicyRepo } from '../git/index.ts';

/** Clones or fetches `url` into `workdir`; the directory holds the branch head afterwards. */
export async function checkoutSource(url: string, workdir: string, branch?: string): Promise<{ dir: string; revision: string }> {
  const git = await openPolicyRepo({ url, workdir, ...(branch ? { branch } : {}) });
  const synced = await git.sync();
  return { dir: git.dir, revision: synced.sourceRevision };
}
