// Real Git repositories on disk for the git adapter's tests: a bare "remote", and a human's clone
// that pushes to it the way a person would.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Environment for the tests' own git commands: no inherited GIT_* redirection, fixed identity. */
const HUMAN_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries({
    ...process.env,
    GIT_AUTHOR_NAME: 'Alice Human',
    GIT_AUTHOR_EMAIL: 'alice@example.com',
    GIT_COMMITTER_NAME: 'Alice Human',
    GIT_COMMITTER_EMAIL: 'alice@example.com',
    GIT_TERMINAL_PROMPT: '0',
  }).filter(([k]) => !['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE'].includes(k)),
);

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: HUMAN_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function tempRoot(): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'cairn-git-test-'));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface Remote {
  /** The bare repository cairn clones. */
  bare: string;
  /** A human's clone of it, on `branch`. */
  human: string;
  branch: string;
}

/**
 * A bare repository (reflog on, so tests can prove every update was a fast-forward) seeded by a
 * human with `files`.
 */
export function makeRemote(root: string, files: Record<string, string>, opts: { branch?: string; name?: string } = {}): Remote {
  const branch = opts.branch ?? 'main';
  const name = opts.name ?? 'policy';
  const bare = join(root, `${name}.git`);
  git(root, 'init', '-q', '--bare', '-b', branch, bare);
  git(bare, 'config', 'core.logAllRefUpdates', 'true');
  const human = join(root, `${name}-human`);
  git(root, 'clone', '-q', bare, human);
  git(human, 'checkout', '-q', '-b', branch);
  humanCommit({ bare, human, branch }, files, 'seed the policy repository');
  return { bare, human, branch };
}

/** The human edits files (null deletes), commits and pushes (rebasing on what is there first). */
export function humanCommit(remote: Remote, files: Record<string, string | null>, message: string): string {
  const { human, branch } = remote;
  if (git(human, 'ls-remote', 'origin', `refs/heads/${branch}`).trim() !== '') git(human, 'pull', '-q', '--rebase', 'origin', branch);
  for (const [path, content] of Object.entries(files)) {
    const abs = join(human, path);
    if (content === null) rmSync(abs);
    else {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    }
  }
  git(human, 'add', '--all');
  git(human, 'commit', '-q', '-m', message);
  git(human, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
  return git(human, 'rev-parse', 'HEAD').trim();
}

export function head(bare: string, branch = 'main'): string {
  return git(bare, 'rev-parse', `refs/heads/${branch}`).trim();
}

export function isAncestor(repo: string, ancestor: string, descendant: string): boolean {
  try {
    git(repo, 'merge-base', '--is-ancestor', ancestor, descendant);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every update the remote's branch ever received, from its reflog. A force push shows up as an
 * entry whose old value is not an ancestor of its new value.
 */
export function refUpdates(bare: string, branch = 'main'): { from: string; to: string }[] {
  const log = join(bare, 'logs', 'refs', 'heads', branch);
  if (!existsSync(log)) throw new Error(`no reflog at ${log}: core.logAllRefUpdates is off`);
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [from, to] = l.split(' ');
      return { from, to };
    });
}

export function nonFastForwards(bare: string, branch = 'main'): { from: string; to: string }[] {
  const zero = /^0+$/;
  return refUpdates(bare, branch).filter((u) => !zero.test(u.from) && !isAncestor(bare, u.from, u.to));
}
