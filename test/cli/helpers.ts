// What the CLI tests share: the real `node bin/cairn.js` as a child process (async, so a
// simulator in the same test process keeps answering), with a controlled environment.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin', 'cairn.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs cairn in `cwd`. The environment is the test's minus every CAIRN_* variable (a developer's
 * own settings must not leak in), plus `env`; XDG_STATE_HOME defaults to a folder under `cwd`.
 */
export function cairn(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAIRN_')));
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...base, XDG_STATE_HOME: join(cwd, '.xdg-state'), ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((done) => child.on('exit', (code) => done({ code, stdout, stderr })));
}
