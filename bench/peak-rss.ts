// A process's own peak RSS, for benchmarks that measure a child process.
//
// Not `process.resourceUsage().maxRSS`: Linux carries ru_maxrss across execve, so a child
// spawned by a large parent reports at least the parent's RSS at the fork (seen here: a fresh
// `node -e` child of a 340 MiB parent reports 304 MiB, its VmHWM 40 MiB). VmHWM in
// /proc/self/status is the high-water mark of this process's own memory since exec.
import { readFileSync } from 'node:fs';

/** Peak resident set of this process since it started, in KiB (Linux). */
export function peakRssKb(): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error('no VmHWM in /proc/self/status: peak RSS is measured on Linux only');
  return Number(m[1]);
}
