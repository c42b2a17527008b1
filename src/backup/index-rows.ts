// index.json.gz built while the archive is written: each row is serialized and handed to gzip
// as it is produced, so a backup holds the compressed index (~50 B a row) instead of an object
// per item, and no whole-index serialize + gzip is left for the end. The bytes decompress to
// the JSON array of IndexEntry that storage reads (storage/verify.ts, restore).
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
  private readonly out: Buffer[] = [];
  private readonly done: Promise<Buffer>;
  private text = '[';
  private rows = 0;

  constructor() {
    this.gzip.on('data', (c: Buffer) => this.out.push(c));
    this.done = new Promise((resolve, reject) => {
      this.gzip.once('end', () => resolve(Buffer.concat(this.out)));
      this.gzip.once('error', reject);
    });
    this.done.catch(() => undefined); // reported by finish()
  }

  get count(): number {
    return this.rows;
  }

  add(entry: IndexEntry): void {
    // Array framing around rows serialized by JSON.stringify: the same bytes as stringifying the array.
    this.text += (this.rows++ === 0 ? '' : ',') + JSON.stringify(entry);
    if (this.text.length >= BATCH_CHARS) {
      this.gzip.write(this.text);
      this.text = '';
    }
  }

  /** The gzipped JSON array of every row added. */
  finish(): Promise<Buffer> {
    this.gzip.end(`${this.text}]`);
    this.text = '';
    return this.done;
  }

  destroy(err: Error): void {
    this.gzip.destroy(err);
  }
}
