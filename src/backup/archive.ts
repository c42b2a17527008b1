// The resources archive: items as JSON files in a tar (Velero's layout, storage/layout.itemPath),
// gzipped, produced as a stream. Entries are framed in memory (tar.ts) and handed to gzip in
// batches — each zlib write is a trip to the thread pool — and an append waits for gzip to drain
// whenever it is behind, so memory stays at a few batches whatever the object count. Hashes for
// the index are computed from the very bytes that are archived.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import { itemPath } from '../storage/layout.ts';
import type { IndexEntry } from '../storage/types.ts';
import type { KubeObject } from '../cluster/types.ts';
import { TAR_END, tarEntry } from './tar.ts';

export const GZIP_LEVEL = 6;
const BATCH_BYTES = 256 * 1024;

export class ArchiveWriter {
  private readonly gzip: Gzip = createGzip({ level: GZIP_LEVEL });
  readonly entries: IndexEntry[] = [];
  /** Uncompressed JSON bytes archived. */
  bytes = 0;
  private readonly paths = new Set<string>();
  private batch: Buffer[] = [];
  private batchSize = 0;
  /** Appends run one at a time: concurrent listers queue here. */
  private tail: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;

  constructor(private readonly mtime: Date) {
    this.gzip.on('error', (err) => (this.failure ??= err));
  }

  /** The tar.gz byte stream, to hand to storage. */
  get stream(): Readable {
    return this.gzip;
  }

  /** Archives one object; false when the same path was already archived (listed twice). */
  add(groupResource: string, obj: KubeObject): Promise<boolean> {
    const result = this.tail.then(() => this.append(groupResource, obj));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async append(groupResource: string, obj: KubeObject): Promise<boolean> {
    if (this.failure) throw this.failure;
    const { name, namespace } = obj.metadata;
    const path = itemPath(groupResource, namespace || undefined, name);
    if (this.paths.has(path)) return false;
    this.paths.add(path);
    const body = Buffer.from(JSON.stringify(obj), 'utf8');
    const sha256 = createHash('sha256').update(body).digest('hex');
    for (const part of tarEntry(path, body, this.mtime)) {
      this.batch.push(part);
      this.batchSize += part.length;
    }
    this.bytes += body.length;
    this.entries.push({
      groupResource,
      ...(namespace ? { namespace } : {}),
      name,
      path,
      sha256,
      size: body.length,
      apiVersion: obj.apiVersion,
      kind: obj.kind,
    });
    if (this.batchSize >= BATCH_BYTES) await this.flush();
    return true;
  }

  private async flush(): Promise<void> {
    if (this.batchSize === 0) return;
    const chunk = Buffer.concat(this.batch, this.batchSize);
    this.batch = [];
    this.batchSize = 0;
    if (!this.gzip.write(chunk)) await this.drained();
  }

  private async drained(): Promise<void> {
    const ac = new AbortController();
    const failed = once(this.gzip, 'close', { signal: ac.signal }).then(() => {
      throw this.failure ?? new Error('archive stream closed');
    });
    try {
      await Promise.race([once(this.gzip, 'drain', { signal: ac.signal }), failed]);
    } finally {
      ac.abort();
      failed.catch(() => undefined);
    }
  }

  /** Ends the tar after the queued appends; the stream ends once gzip has flushed. */
  async finish(): Promise<void> {
    await this.tail;
    if (this.failure) throw this.failure;
    await this.flush();
    this.gzip.end(TAR_END);
  }

  /** Stops producing (upload failed or the backup was cancelled). */
  destroy(err: Error): void {
    this.failure ??= err;
    this.gzip.destroy(err);
  }
}
