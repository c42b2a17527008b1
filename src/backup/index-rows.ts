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
const BATCH_CHARS = 256 * 1024;
const CHUNK = 256 * 1024;

export class IndexRows {
  // Level 1: the rows are mostly hashes, which no level compresses, and this gzip runs
  // beside the archive's on a busy backup.
  private readonly gzip = createGzip({ level: 1, chunkSize: CHUNK });
  private text = '[';
  private rows = 0;

  /** index.json.gz as rows are added; it ends after finish(). */
  get stream(): Readable {
    return this.gzip;
  }

  get count(): number {
    return this.rows;
  }

  add(entry: IndexEntry): void {
    // Array framing around rows serialized as JSON.stringify does: the same bytes as stringifying the array.
    this.text += (this.rows++ === 0 ? '' : ',') + rowJson(entry);
    if (this.text.length >= BATCH_CHARS) {
      this.gzip.write(this.text);
      this.text = '';
    }
  }

  /** Closes the array and ends the stream. */
  finish(): void {
    this.gzip.end(`${this.text}]`);
    this.text = '';
  }

  destroy(err: Error): void {
    this.gzip.destroy(err);
  }
}

/** Strings JSON.stringify writes as they are, between quotes: no quote, backslash, control character or surrogate. */
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;
const str = (s: string) => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));

/**
 * JSON.stringify(entry) for an entry whose keys are in IndexEntry's order (as ArchiveWriter
 * builds it), written field by field: 0.6 µs a row instead of 0.9-1.0 (3 ms of a 10,000-object
 * backup's main thread, BENCHMARKS.md). Strings that need escaping go through JSON.stringify.
 */
export function rowJson(e: IndexEntry): string {
  let out = `{"groupResource":${str(e.groupResource)}`;
  if (e.namespace !== undefined) out += `,"namespace":${str(e.namespace)}`;
  out += `,"name":${str(e.name)},"path":${str(e.path)},"sha256":${str(e.sha256)},"size":${JSON.stringify(e.size)}`;
  if (e.apiVersion !== undefined) out += `,"apiVersion":${str(e.apiVersion)}`;
  if (e.kind !== undefined) out += `,"kind":${str(e.kind)}`;
  return `${out}}`;
}
