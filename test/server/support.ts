// Helpers for the HTTP tests: raw requests over a socket (what fetch refuses to send), a free
// port, and `cairn run` as a child process.
import { freePort } from '../../src/free-port.ts';
export { freePort };
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** Sends raw bytes and returns what the server answered before closing (or after 5 s). */
export function rawRequest(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.on('data', (d) => {
      out += d.toString('latin1');
      // One answer is enough: keep-alive would otherwise hold the socket open.
      if (/\r\n\r\n/.test(out)) {
        const m = /content-length: (\d+)/i.exec(out);
        const bodyStart = out.indexOf('\r\n\r\n') + 4;
        if (!m || out.length - bodyStart >= Number(m[1])) socket.end();
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      done(out);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? done(out) : fail(err)));
    socket.write(bytes);
  });
}

export function statusCode(answer: string): number | undefined {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
  return m ? Number(m[1]) : undefined;
}


export interface Child {
  stdout: () => string;
  stderr: () => string;
  alive: () => boolean;
  kill: (signal: NodeJS.Signals) => void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startCairn(args: string[], cwd: string, env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, [join(ROOT, 'bin/cairn.js'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CAIRN_REPO: '', CAIRN_READ_TOKEN: '', CAIRN_WEBHOOK_SECRET: '', ...env } });
  let stdout = '';
  let stderr = '';
  let alive = true;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => {
      alive = false;
      done({ code, signal });
    }),
  );
  return { stdout: () => stdout, stderr: () => stderr, alive: () => alive, kill: (s) => child.kill(s), exited };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, logs: () => string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; logs:\n${logs()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
