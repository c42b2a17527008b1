// Who holds a policy lock, precisely enough to prove a holder dead: the host, the pid, the pid's
// start time and the boot it belongs to (a pid is reused after its process ends and after a
// reboot), and the engine's id. Read from /proc on Linux; elsewhere only host, pid and engine id.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockOwner {
  host: string;
  pid: number;
  /** The process's start time in clock ticks after boot (/proc/<pid>/stat field 22). */
  pidStart?: number;
  /** /proc/sys/kernel/random/boot_id: which boot of the host. */
  bootId?: string;
  /** The engine's holder id (config.holder). */
  engineId: string;
}

function pidStartOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]); // field 22 overall
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function currentOwner(engineId: string): LockOwner {
  const pidStart = pidStartOf(process.pid);
  const boot = bootId();
  return { host: hostname(), pid: process.pid, ...(pidStart !== undefined ? { pidStart } : {}), ...(boot ? { bootId: boot } : {}), engineId };
}

/**
 * Why the owner is provably not running any more, or undefined when it may be. Only an owner on
 * this host can be proved dead; one elsewhere is judged by its heartbeat alone.
 */
export function ownerGone(owner: LockOwner | undefined): string | undefined {
  if (!owner || typeof owner !== 'object' || owner.host !== hostname() || !Number.isInteger(owner.pid) || owner.pid <= 0) return undefined;
  const boot = bootId();
  if (owner.bootId && boot && owner.bootId !== boot) return `its host ${owner.host} has rebooted since the lock was taken`;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return `pid ${owner.pid} on ${owner.host} is not running`;
    return undefined; // EPERM: a process of another user runs with that pid
  }
  if (owner.pidStart !== undefined) {
    const now = pidStartOf(owner.pid);
    if (now !== undefined && now !== owner.pidStart) return `pid ${owner.pid} on ${owner.host} was reused by another process`;
  }
  return undefined;
}
