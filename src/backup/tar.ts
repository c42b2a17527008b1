// Tar framing for the resources archive: POSIX ustar headers, with a pax extended header when a
// path does not fit ustar's name/prefix fields. Written by hand because the archive holds
// thousands of small files and tar-stream's per-entry stream machinery cost more than listing
// the objects (bench/backup.bench.ts); the output is checked with GNU tar and tar-stream.

const BLOCK = 512;
const enc = new TextEncoder();

function octal(buf: Buffer, value: number, offset: number, width: number): void {
  // width-1 octal digits, then NUL.
  buf.write(value.toString(8).padStart(width - 1, '0'), offset, width - 1, 'ascii');
  buf[offset + width - 1] = 0;
}

function header(name: string, prefix: string, size: number, mtime: number, type: '0' | 'x'): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  octal(h, 0o644, 100, 8);
  octal(h, 0, 108, 8);
  octal(h, 0, 116, 8);
  octal(h, size, 124, 12);
  octal(h, mtime, 136, 12);
  h.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\u000000', 257, 8, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i];
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return h;
}

/** ustar name/prefix for `path`, or undefined when it needs a pax header. */
function ustarSplit(path: string): { name: string; prefix: string } | undefined {
  if (!/^[\x20-\x7e]*$/.test(path)) return undefined;
  if (path.length <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    if (i > 155) break;
    if (path.length - i - 1 <= 100 && i <= 155) return { name: path.slice(i + 1), prefix: path.slice(0, i) };
  }
  return undefined;
}

/** A pax record "<len> path=<value>\n", where <len> counts the whole record, itself included. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLen = enc.encode(body).length;
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return Buffer.from(`${len}${body}`, 'utf8');
}

function padding(size: number): Buffer | undefined {
  const rest = size % BLOCK;
  return rest === 0 ? undefined : Buffer.alloc(BLOCK - rest);
}

/** The blocks of one regular file: header(s), body, padding. */
export function tarEntry(path: string, body: Buffer, mtime: Date): Buffer[] {
  const seconds = Math.floor(mtime.getTime() / 1000);
  const parts: Buffer[] = [];
  let fit = ustarSplit(path);
  if (!fit) {
    const pax = paxRecord('path', path);
    parts.push(header(`PaxHeader/${path.slice(-80).replace(/[^\x20-\x7e]/g, '_')}`, '', pax.length, seconds, 'x'), pax);
    const pad = padding(pax.length);
    if (pad) parts.push(pad);
    fit = { name: path.replace(/[^\x20-\x7e]/g, '_').slice(-100), prefix: '' };
  }
  parts.push(header(fit.name, fit.prefix, body.length, seconds, '0'), body);
  const pad = padding(body.length);
  if (pad) parts.push(pad);
  return parts;
}

/** Two zero blocks end an archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK);
