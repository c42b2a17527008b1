// The resources archive: items as JSON files in a tar (Velero's layout, storage/layout.itemPath),
// gzipped, produced as a stream. Items (their bytes as listed) are framed
// (tar.ts) straight into a batch buffer, and full batches go to gzip, which compresses several
// at once on the thread pool (parallel-gzip.ts). A producer waits (`backpressure`) while gzip
// has as many batches as it works on at once, so memory stays at a few batches whatever the
// object count. Hashes for the index are computed from the very bytes that are archived.
import { hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { itemPath } from '../storage/layout.ts';
import type { KubeObject } from '../cluster/types.ts';
import type { IndexEntry } from '../storage/types.ts';
import { IndexRows } from './index-rows.ts';
import { ParallelGzip } from './parallel-gzip.ts';
import { TAR_END, TarFramer } from './tar.ts';

export const GZIP_LEVEL = 6;
// Each batch is one deflate call on the thread pool, whose setup (state, 32 KiB dictionary)
// costs the main thread about 0.25 ms: 1 MiB batches spend a quarter of what 256 KiB did.
const BATCH_BYTES = 1024 * 1024;
const BLOCK = 512;
// As many as gzip works on at once, and one more being filled.
const SPARE_BATCHES = 5;

export class ArchiveWriter {
  private readonly gzip = new ParallelGzip(GZIP_LEVEL);
  private readonly framer: TarFramer;
  /** index.json.gz rows, one per archived item (its own stream, for storage). */
  readonly index = new IndexRows();
  /** Uncompressed JSON bytes archived. */
  bytes = 0;
  private batch: Buffer = Buffer.alloc(BATCH_BYTES);
  private used = 0;
  /**
   * Batches gzip is done with, zeroed, for reuse: a fresh 1 MiB Buffer per batch was ~15 MB
   * of external memory per 10,000 objects, and V8 answers external memory growth with
   * collections (with their helper threads) that took CPU from the list's server (BENCHMARKS.md).
   */
  private readonly spare: Buffer[] = [];
  private readonly recycle = (batch: Buffer, used: number) => {
    if (batch.length !== BATCH_BYTES || this.spare.length >= SPARE_BATCHES) return;
    batch.fill(0, 0, used);
    this.spare.push(batch);
  };
  private waiting: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(mtime: Date) {
    this.framer = new TarFramer(mtime);
  }

  /** The tar.gz byte stream, to hand to storage. */
  get stream(): Readable {
    return this.gzip.stream;
  }

  /** Items archived so far. */
  get count(): number {
    return this.index.count;
  }

  /**
   * Set while gzip has its fill of batches: producers await it before adding more. It rejects
   * when the archive stream failed (storage failed or the backup was cancelled).
   */
  get backpressure(): Promise<void> | undefined {
    return this.waiting;
  }

  /**
   * Archives one object (the caller makes sure each is added once: backup/list-keys.ts).
   * `json` is its document as the server sent it (head, then body: ClusterClient.listItems);
   * `obj` names it and fills its index row.
   */
  add(groupResource: string, obj: KubeObject, json: { head: Buffer; body: Buffer }): void {
    if (this.failure) throw this.failure;
    const { name, namespace } = obj.metadata;
    const path = itemPath(groupResource, namespace || undefined, name);
    const head = this.framer.headerSize(path);
    const size = json.head.length + json.body.length;
    const room = head + size + BLOCK;
    if (this.used + room > this.batch.length) {
      this.flush();
      if (room > this.batch.length) this.batch = Buffer.alloc(room);
    }
    // Batches start zeroed, so the padding after the document is already in place.
    const at = this.framer.writeHeader(this.batch, this.used, path, size);
    this.batch.set(json.head, at);
    this.batch.set(json.body, at + json.head.length);
    this.used = at + size + ((BLOCK - (size % BLOCK)) % BLOCK);
    this.bytes += size;
    const sha256 = hash('sha256', this.batch.subarray(at, at + size), 'hex');
    const { apiVersion, kind } = obj;
    // Two literal shapes rather than a spread: JSON.stringify's fast path likes plain objects.
    const entry: IndexEntry = namespace ? { groupResource, namespace, name, path, sha256, size, apiVersion, kind } : { groupResource, name, path, sha256, size, apiVersion, kind };
    this.index.add(entry);
  }

  /** Hands the filled part of the batch to gzip; producers wait while gzip has its fill. */
  private flush(last = false): void {
    if (this.used === 0 && !last) return;
    const batch = this.batch;
    const used = this.used;
    this.batch = this.spare.pop() ?? Buffer.alloc(BATCH_BYTES);
    this.used = 0;
    const ready = this.gzip.write(batch.subarray(0, used), last, () => this.recycle(batch, used));
    if (ready) {
      const waiting: Promise<void> = ready.finally(() => {
        if (this.waiting === waiting) this.waiting = undefined;
      });
      this.waiting = waiting;
      waiting.catch((err: Error) => (this.failure ??= err)); // a producer that awaits it sees the failure
    }
  }

  /** Ends the tar and the index; settles once every byte of the tar is in its stream. */
  async finish(): Promise<void> {
    if (this.failure) throw this.failure;
    this.index.finish();
    if (this.used + TAR_END.length > this.batch.length) this.flush();
    TAR_END.copy(this.batch, this.used);
    this.used += TAR_END.length;
    this.flush(true);
    await this.gzip.drained();
  }

  /** Stops producing (upload failed or the backup was cancelled). */
  destroy(err: Error): void {
    this.failure ??= err;
    this.gzip.destroy(err);
    this.index.destroy(err);
  }
}
