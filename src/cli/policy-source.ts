// `--repo` has one meaning on every command: a Git URL or a path. A directory that is not a
// bare repository (a work tree, or a plain folder such as a pull request's checkout) is read
// as it is; a bare repository or a URL is cloned into the data directory (the same adapter the
// reconciler uses) and read at its branch's head. Checks a local remote before the engine acts.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from './common.ts';

function gitOut(dir: string, ...args: string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** True when `repo` names a local directory read in place (not a URL, not a bare repository). */
export function isWorkTreePath(repo: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/]+@[^/:]+:/.test(repo)) return false;
  const abs = resolve(repo);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) return false;
  return gitOut(abs, 'rev-parse', '--is-bare-repository') !== 'true';
}

export interface PolicySource {
  /** Directory to load manifests from. */
  dir: string;
  /** The commit read, or "working-tree" for a folder outside Git. */
  revision: string;
}

/** Resolves --repo to a directory of manifests, cloning URLs and bare repositories into dataDir. */
export async function readPolicySource(repo: string, opts: { dataDir: string; branch?: string }): Promise<PolicySource> {
  if (isWorkTreePath(repo)) {
    const dir = resolve(repo);
    return { dir, revision: gitOut(dir, 'rev-parse', 'HEAD') ?? 'working-tree' };
  }
  const local = !/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) && !/^[^/]+@[^/:]+:/.test(repo);
  if (local && !existsSync(resolve(repo))) throw new CliError(`--repo ${repo}: no such directory, and not a Git URL`);
  if (local && !statSync(resolve(repo)).isDirectory()) throw new CliError(`--repo ${repo}: not a directory (give the policy repository's directory or a Git URL)`);
  const key = createHash('sha256').update(local ? resolve(repo) : repo).digest('hex').slice(0, 16);
  const { checkoutSource } = await import('../engine/source.ts');
  return checkoutSource(local ? resolve(repo) : repo, join(resolve(opts.dataDir), 'sources', key), opts.branch);
}

/**
 * Before the engine acts: a local non-bare repository with the followed branch checked out
 * refuses pushes ("refusing to update checked out branch"), so backups would be taken and
 * their status never recorded. Say so up front, with what to do instead.
 */
export function checkRemoteAcceptsPush(repo: string, branch: string | undefined): void {
  if (!isWorkTreePath(repo)) return;
  const dir = resolve(repo);
  const top = gitOut(dir, 'rev-parse', '--show-toplevel');
  if (!top) throw new CliError(`--repo ${repo}: not a Git repository; pass a bare repository, a Git host URL, or run \`git init\` there and push it to one`);
  const checkedOut = gitOut(dir, 'symbolic-ref', '--short', 'HEAD');
  const deny = gitOut(dir, 'config', 'receive.denyCurrentBranch') ?? 'refuse';
  if (checkedOut && (branch === undefined || branch === checkedOut) && !['ignore', 'warn', 'updateInstead', 'false'].includes(deny)) {
    throw new CliError(
      `--repo ${repo} is a work tree with branch ${checkedOut} checked out: git refuses cairn's status pushes to it ("refusing to update checked out branch"), so nothing was done. ` +
        `Point --repo at a bare repository (git clone --bare ${repo} ${repo.replace(/\/+$/, '')}.git) or at a Git host URL`,
    );
  }
}
