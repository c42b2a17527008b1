// Tar framing for the resources archive: POSIX ustar headers, with a pax extended header when a
// path does not fit ustar's name/prefix fields. Written by hand because the archive holds
// thousands of small files and tar-stream's per-entry stream machinery cost more than listing
// the objects (bench/backup.bench.ts); the output is checked with GNU tar and tar-stream.
//
// Entries are written straight into a caller's buffer: a header is a copy of a per-archive
// template (mode, owner, mtime, magic already in place, their checksum precomputed) plus the
// name and size, so framing an item costs a copy and a few short writes, not a 512-byte
// allocation and a checksum loop per header.

const BLOCK = 512;
const NAME = 0;
const SIZE = 124;
const CHECKSUM = 148;
const TYPE = 156;
const PREFIX = 345;
const enc = new TextEncoder();

/** width-1 octal digits, zero-padded, then NUL; returns the sum of the bytes written. */
function octal(buf: Buffer, value: number, offset: number, width: number): number {
  let sum = 0;
  let v = value;
  for (let i = offset + width - 2; i >= offset; i--) {
    const digit = 0x30 + (v % 8);
    buf[i] = digit;
    sum += digit;
    v = Math.floor(v / 8);
  }
  buf[offset + width - 1] = 0;
  return sum;
}

function byteSum(buf: Buffer, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += buf[i];
  return sum;
}

/** Whether every character is printable ASCII (what ustar's name fields hold here). */
function printable(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** ustar name/prefix for `path`, or undefined when it needs a pax header. */
function ustarSplit(path: string): { name: string; prefix: string } | undefined {
  if (!printable(path)) return undefined;
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

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** Writes tar entries for one archive (one mtime) into buffers the caller provides. */
export class TarFramer {
  private readonly template = Buffer.alloc(BLOCK);
  private readonly templateSum: number;

  constructor(mtime: Date) {
    const h = this.template;
    octal(h, 0o644, 100, 8);
    octal(h, 0, 108, 8);
    octal(h, 0, 116, 8);
    octal(h, 0, SIZE, 12);
    octal(h, Math.floor(mtime.getTime() / 1000), 136, 12);
    h.write('ustar\u000000', 257, 8, 'latin1');
    // The checksum counts its own field as spaces, the type flag and the size as written per entry.
    this.templateSum = byteSum(h, 0, CHECKSUM) + 8 * 0x20 + byteSum(h, TYPE + 1, BLOCK) - byteSum(h, SIZE, SIZE + 12);
  }

  /** Bytes the header block(s) of `path` take: 512, or more when it needs a pax header. */
  headerSize(path: string): number {
    if ((path.length <= 100 && printable(path)) || ustarSplit(path)) return BLOCK;
    return BLOCK + padded(paxRecord('path', path).length) + BLOCK;
  }

  /**
   * Writes the header block(s) for a file of `size` bytes at `offset`, which must leave
   * headerSize(path) bytes; returns where the body goes.
   */
  writeHeader(buf: Buffer, offset: number, path: string, size: number): number {
    if (path.length <= 100 && printable(path)) return this.header(buf, offset, path, '', size, '0');
    const fit = ustarSplit(path);
    if (fit) return this.header(buf, offset, fit.name, fit.prefix, size, '0');
    const pax = paxRecord('path', path);
    let at = this.header(buf, offset, `PaxHeader/${path.slice(-80).replace(/[^\x20-\x7e]/g, '_')}`, '', pax.length, 'x');
    pax.copy(buf, at);
    buf.fill(0, at + pax.length, at + padded(pax.length));
    at += padded(pax.length);
    return this.header(buf, at, path.replace(/[^\x20-\x7e]/g, '_').slice(-100), '', size, '0');
  }

  /** One ustar header block; name and prefix are printable ASCII here (ustarSplit checked). */
  private header(buf: Buffer, offset: number, name: string, prefix: string, size: number, type: '0' | 'x'): number {
    buf.set(this.template, offset);
    let sum = this.templateSum;
    for (let i = 0; i < name.length; i++) sum += (buf[offset + NAME + i] = name.charCodeAt(i));
    for (let i = 0; i < prefix.length; i++) sum += (buf[offset + PREFIX + i] = prefix.charCodeAt(i));
    sum += octal(buf, size, offset + SIZE, 12);
    buf[offset + TYPE] = type.charCodeAt(0);
    sum += type.charCodeAt(0);
    octal(buf, sum, offset + CHECKSUM, 7); // six digits and NUL, then a space
    buf[offset + CHECKSUM + 7] = 0x20;
    return offset + BLOCK;
  }
}

/** Two zero blocks end an archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK);
