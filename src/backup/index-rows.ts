// index.json.gz built while the archive is written: each row is serialized and handed to gzip
// as it is produced, and the gzip stream goes to storage as it comes, so a backup holds neither
// an object per item nor the whole index, and no whole-index serialize + gzip is left for the
// end. The bytes decompress to the JSON array of IndexEntry that storage reads
// (storage/verify.ts, restore).
import type { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { IndexEntry } from '../storage/types.ts';

// Each write, and each chunkSize of output, is a trip to the thread pool that costs the main
// thread a fixed setup: few large ones rather than many small (a 10,000-item backup makes ~2 MB
// of rows).
const BATCH_BYTES = 256 * 1024;
const CHUNK = 256 * 1024;

/**
 * Rows are written as bytes straight into a batch buffer, field by field: building each row as
 * a string, joining the strings and encoding the batch made ~10 MB of garbage per 10,000-item
 * backup, a third of what the backup allocated (heap sampling, BENCHMARKS.md), and the
 * scavenges it caused competed with the list's server for the CPU.
 */
export class IndexRows {
  // Level 1: the rows are mostly hashes, which no level compresses, and this gzip runs
  // beside the archive's on a busy backup.
  private readonly gzip = createGzip({ level: 1, chunkSize: CHUNK });
  private buf = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;
  private rows = 0;

  constructor() {
    this.buf[this.used++] = 0x5b; // [
  }

  /** index.json.gz as rows are added; it ends after finish(). */
  get stream(): Readable {
    return this.gzip;
  }

  get count(): number {
    return this.rows;
  }

  /** Appends JSON.stringify(entry), for an entry whose keys are in IndexEntry's order (as ArchiveWriter builds it). */
  add(e: IndexEntry): void {
    // Worst case: every UTF-16 unit written as a six-byte \u escape, plus the keys and the size.
    const room = 6 * (e.groupResource.length + (e.namespace?.length ?? 0) + e.name.length + e.path.length + e.sha256.length + (e.apiVersion?.length ?? 0) + (e.kind?.length ?? 0)) + 160;
    if (this.used + room > this.buf.length) {
      this.flush();
      if (room > this.buf.length) this.buf = Buffer.allocUnsafe(room);
    }
    if (this.rows++ > 0) this.buf[this.used++] = 0x2c; // ,
    this.used = writeRow(this.buf, this.used, e);
  }

  /** Closes the array and ends the stream. */
  finish(): void {
    if (this.used + 1 > this.buf.length) this.flush();
    this.buf[this.used++] = 0x5d; // ]
    this.gzip.end(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  destroy(err: Error): void {
    this.gzip.destroy(err);
  }

  private flush(): void {
    // gzip keeps the batch until it has compressed it: the next rows go into a new one.
    this.gzip.write(this.buf.subarray(0, this.used));
    this.buf = Buffer.allocUnsafe(BATCH_BYTES);
    this.used = 0;
  }
}

// The row's fixed parts, as bytes.
const K_GROUP_RESOURCE = Buffer.from('{"groupResource":');
const K_NAMESPACE = Buffer.from(',"namespace":');
const K_NAME = Buffer.from(',"name":');
const K_PATH = Buffer.from(',"path":');
const K_SHA256 = Buffer.from(',"sha256":');
const K_SIZE = Buffer.from(',"size":');
const K_API_VERSION = Buffer.from(',"apiVersion":');
const K_KIND = Buffer.from(',"kind":');

// Fields are short (a few dozen bytes): copying them in a plain loop costs less than a call
// into Buffer#write or #set per field, which made byte-writing rows slower than building strings.

function bytes(buf: Buffer, at: number, b: Buffer): number {
  for (let k = 0; k < b.length; k++) buf[at + k] = b[k];
  return at + b.length;
}

/**
 * A JSON string as JSON.stringify writes it; the caller left room for 6 bytes a UTF-16 unit + 2.
 * Printable ASCII without a quote or backslash (names, paths, hashes) is copied as it is; anything
 * else goes through JSON.stringify and UTF-8.
 */
function str(buf: Buffer, at: number, s: string): number {
  buf[at] = 0x22;
  let i = at + 1;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return at + buf.write(JSON.stringify(s), at, 'utf8');
    buf[i++] = c;
  }
  buf[i] = 0x22;
  return i + 1;
}

/** A number as JSON.stringify writes it (digits by hand for the sizes it always is). */
function num(buf: Buffer, at: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return at + buf.write(JSON.stringify(n), at, 'latin1');
  let digits = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
  let v = n;
  for (let k = at + digits - 1; k >= at; k--) {
    buf[k] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  return at + digits;
}

/**
 * JSON.stringify(e) written at `at`, for an entry whose keys are in IndexEntry's order; returns
 * where it ends. The caller left room (IndexRows.add).
 */
function writeRow(buf: Buffer, at: number, e: IndexEntry): number {
  let i = str(buf, bytes(buf, at, K_GROUP_RESOURCE), e.groupResource);
  if (e.namespace !== undefined) i = str(buf, bytes(buf, i, K_NAMESPACE), e.namespace);
  i = str(buf, bytes(buf, i, K_NAME), e.name);
  i = str(buf, bytes(buf, i, K_PATH), e.path);
  i = str(buf, bytes(buf, i, K_SHA256), e.sha256);
  i = num(buf, bytes(buf, i, K_SIZE), e.size);
  if (e.apiVersion !== undefined) i = str(buf, bytes(buf, i, K_API_VERSION), e.apiVersion);
  if (e.kind !== undefined) i = str(buf, bytes(buf, i, K_KIND), e.kind);
  buf[i] = 0x7d; // }
  return i + 1;
}
