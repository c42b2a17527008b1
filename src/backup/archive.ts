// The resources archive: items as JSON files in a tar (Velero's layout, storage/layout.itemPath),
// gzipped, produced as a stream. Items are serialized and framed (tar.ts) straight into a
// batch buffer, and full batches go to gzip — each zlib write is a trip to the thread pool.
// One batch may be compressing while the next fills; a producer waits (`backpressure`) when a
// second one is ready before the first is done, so memory stays at a few batches whatever the
// object count. Hashes for the index are computed from the very bytes that are archived.
import { hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import { itemPath } from '../storage/layout.ts';
import type { KubeObject } from '../cluster/types.ts';
import { IndexRows } from './index-rows.ts';
import { TAR_END, TarFramer } from './tar.ts';

export const GZIP_LEVEL = 6;
const BATCH_BYTES = 256 * 1024;
const BLOCK = 512;

export class ArchiveWriter {
  private readonly gzip: Gzip = createGzip({ level: GZIP_LEVEL });
  private readonly framer: TarFramer;
  /** index.json.gz rows, one per archived item. */
  readonly index = new IndexRows();
  /** Uncompressed JSON bytes archived. */
  bytes = 0;
  private readonly paths = new Set<string>();
  private batch = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;
  /** The batch gzip is working on (settles when gzip has consumed it). */
  private inflight: Promise<void> | undefined;
  private waiting: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(mtime: Date) {
    this.framer = new TarFramer(mtime);
    this.gzip.on('error', (err) => (this.failure ??= err));
  }

  /** The tar.gz byte stream, to hand to storage. */
  get stream(): Readable {
    return this.gzip;
  }

  /** Items archived so far. */
  get count(): number {
    return this.index.count;
  }

  /**
   * Set while gzip is a batch behind: producers await it before adding more. It rejects when
   * the archive stream failed (storage failed or the backup was cancelled).
   */
  get backpressure(): Promise<void> | undefined {
    return this.waiting;
  }

  /** Archives one object; false when the same path was already archived (listed twice). */
  add(groupResource: string, obj: KubeObject): boolean {
    if (this.failure) throw this.failure;
    const { name, namespace } = obj.metadata;
    const path = itemPath(groupResource, namespace || undefined, name);
    if (this.paths.has(path)) return false;
    this.paths.add(path);
    const json = JSON.stringify(obj);
    const head = this.framer.headerSize(path);
    // UTF-8 takes at most 3 bytes per UTF-16 unit; header + body + padding must fit the batch.
    const room = head + json.length * 3 + BLOCK;
    if (this.used + room > this.batch.length) {
      this.flush();
      if (room > this.batch.length) this.batch = Buffer.allocUnsafe(room);
    }
    const at = this.used + head;
    const size = this.batch.write(json, at, 'utf8');
    const body = this.batch.subarray(at, at + size);
    this.framer.writeHeader(this.batch, this.used, path, size);
    this.used = this.framer.pad(this.batch, at + size, size);
    this.bytes += size;
    this.index.add({
      groupResource,
      ...(namespace ? { namespace } : {}),
      name,
      path,
      sha256: hash('sha256', body, 'hex'),
      size,
      apiVersion: obj.apiVersion,
      kind: obj.kind,
    });
    return true;
  }

  /** Hands the filled part of the batch to gzip; producers wait if the previous one is still in work. */
  private flush(): void {
    if (this.used === 0) return;
    const chunk = this.batch.subarray(0, this.used);
    this.batch = Buffer.allocUnsafe(BATCH_BYTES);
    this.used = 0;
    const previous = this.inflight;
    const current = this.send(chunk);
    this.inflight = current;
    if (previous && !this.waiting) {
      const waiting: Promise<void> = previous.finally(() => {
        if (this.waiting === waiting) this.waiting = undefined;
      });
      this.waiting = waiting;
      waiting.catch(() => undefined); // a producer that awaits it sees the failure
    }
  }

  /** Writes one chunk; settles once gzip has consumed it, or rejects when the stream fails. */
  private send(chunk: Buffer): Promise<void> {
    const sent = new Promise<void>((resolve, reject) => {
      const onClose = () => reject(this.failure ?? new Error('archive stream closed'));
      this.gzip.once('close', onClose);
      this.gzip.write(chunk, (err) => {
        this.gzip.off('close', onClose);
        if (err) reject(err);
        else resolve();
      });
    });
    sent.catch(() => undefined); // recorded in `failure` and reported by whoever awaits
    return sent;
  }

  /** Ends the tar; the stream ends once gzip has flushed. */
  async finish(): Promise<void> {
    if (this.failure) throw this.failure;
    this.flush();
    this.gzip.end(TAR_END);
    await this.inflight;
  }

  /** Stops producing (upload failed or the backup was cancelled). */
  destroy(err: Error): void {
    this.failure ??= err;
    this.gzip.destroy(err);
    this.index.destroy(err);
  }
}
