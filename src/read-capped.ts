// Every file cairn reads whole (policy files, kubeconfigs, key files) goes through here: only a
// regular file (a FIFO or a device would block or never end), and at most `max` bytes whatever
// its size claims (/proc files stat as 0 bytes and read without end). Past the cap the error
// names the path and the cap, never the content.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';

const CHUNK = 64 * 1024;

export class FileReadError extends Error {
  readonly code: 'file.too-large' | 'file.not-regular' | 'file.unreadable';
  readonly path: string;
  /** For file.too-large: the size on disk when that was already too large. */
  readonly size?: number;
  constructor(code: FileReadError['code'], path: string, message: string, size?: number) {
    super(message);
    this.name = 'FileReadError';
    this.code = code;
    this.path = path;
    this.size = size;
  }
}

/** The file's bytes, at most `max`; FileReadError otherwise. `what` names the file in messages. */
export async function readFileCapped(path: string, max: number, what = path): Promise<Buffer> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new FileReadError('file.unreadable', path, `cannot read ${what}: ${err.code ?? 'error'}`);
  });
  if (!st.isFile()) throw new FileReadError('file.not-regular', path, `${what} is not a regular file; refusing to read it`);
  if (st.size > max) throw new FileReadError('file.too-large', path, `${what} is ${st.size} bytes, more than ${max} bytes cairn reads for it`, st.size);
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new FileReadError('file.unreadable', path, `cannot read ${what}: ${err.code ?? 'error'}`);
  });
  try {
    // Fixed 64 KiB reads into a scratch buffer: some /proc files refuse odd-sized reads.
    const chunk = Buffer.alloc(CHUNK);
    const parts: Buffer[] = [];
    let len = 0;
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, CHUNK, null);
      if (bytesRead === 0) break;
      len += bytesRead;
      if (len > max) throw new FileReadError('file.too-large', path, `${what} holds more than ${max} bytes, the most cairn reads for it (its size on disk says ${st.size})`);
      parts.push(Buffer.from(chunk.subarray(0, bytesRead)));
    }
    return Buffer.concat(parts, len);
  } finally {
    await fh.close();
  }
}

/** readFileCapped for synchronous callers (loading a kubeconfig); returns UTF-8 text. */
export function readFileCappedSync(path: string, max: number, what = path): string {
  let fd: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new FileReadError('file.not-regular', path, `${what} is not a regular file; refusing to read it`);
    if (st.size > max) throw new FileReadError('file.too-large', path, `${what} is ${st.size} bytes, more than ${max} bytes cairn reads for it`);
    fd = openSync(path, 'r');
  } catch (err) {
    if (err instanceof FileReadError) throw err;
    throw new FileReadError('file.unreadable', path, `cannot read ${what}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    const chunk = Buffer.alloc(CHUNK);
    const parts: Buffer[] = [];
    let len = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, CHUNK, null);
      if (n === 0) break;
      len += n;
      if (len > max) throw new FileReadError('file.too-large', path, `${what} holds more than ${max} bytes, the most cairn reads for it`);
      parts.push(Buffer.from(chunk.subarray(0, n)));
    }
    return Buffer.concat(parts, len).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
