// A `.git/index.lock` left by a crash mid-commit makes every later git command in the clone fail
// ("Unable to create index.lock: File exists"). cairn's clone is its own and its git commands run
// one at a time (PolicyRepo.exclusive), so before each one a lock that no live process can hold
// is stale and is removed, with a log line. "No live process" on Linux: no process has the file
// open and no git process runs in the clone (git may hold the lock briefly with its file closed,
// e.g. while it runs hooks). Without /proc, only a lock older than `staleAfterMs` is removed.
import { readdir, readFile, readlink, realpath, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../log.ts';

export type LockHolder = { pid: number; why: 'open' | 'git-in-clone' };

/** A live process that holds or may hold `lockPath`; null when there is none; undefined when /proc cannot tell. */
export async function findLockHolder(lockPathGiven: string, cloneDirGiven: string): Promise<LockHolder | null | undefined> {
  // /proc shows resolved paths.
  const cloneDir = await realpath(cloneDirGiven).catch(() => cloneDirGiven);
  const lockPath = join(await realpath(dirname(lockPathGiven)).catch(() => dirname(lockPathGiven)), basename(lockPathGiven));
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue; // cairn itself never holds it between commands
    const base = join('/proc', pid);
    const cwd = await readlink(join(base, 'cwd')).catch(() => undefined);
    if (cwd === cloneDir || cwd?.startsWith(`${cloneDir}/`)) {
      const comm = (await readFile(join(base, 'comm'), 'utf8').catch(() => '')).trim();
      if (comm.startsWith('git')) return { pid: Number(pid), why: 'git-in-clone' };
    }
    const fds = await readdir(join(base, 'fd')).catch(() => [] as string[]);
    for (const fd of fds) {
      if ((await readlink(join(base, 'fd', fd)).catch(() => undefined)) === lockPath) return { pid: Number(pid), why: 'open' };
    }
  }
  return null;
}

/**
 * Removes a stale `.git/index.lock` of the clone at `cloneDir`; returns whether it did. A lock
 * that a live process may hold is left in place (the git command then fails and says so).
 */
export async function recoverIndexLock(cloneDir: string, logger: Logger, staleAfterMs: number): Promise<boolean> {
  const lockPath = join(cloneDir, '.git', 'index.lock');
  const st = await stat(lockPath).catch(() => undefined);
  if (!st) return false;
  const holder = await findLockHolder(lockPath, cloneDir);
  if (holder) {
    logger.warn({ lock: lockPath, pid: holder.pid, reason: holder.why }, 'git index.lock is held by a live process; leaving it');
    return false;
  }
  const ageMs = Date.now() - st.mtimeMs;
  if (holder === undefined && ageMs < staleAfterMs) {
    logger.warn({ lock: lockPath, ageMs }, 'git index.lock exists and its holder cannot be checked (no /proc); it is removed once it is older than the git timeout');
    return false;
  }
  await rm(lockPath, { force: true });
  logger.warn({ lock: lockPath, ageMs: Math.round(ageMs) }, 'removed a stale git index.lock left by a crashed git process (no live process held it)');
  return true;
}
