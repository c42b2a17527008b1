// The resources archive: items as JSON files in a tar (Velero's layout, storage/layout.itemPath),
// gzipped, produced as a stream. Each append waits until tar-stream has taken the entry, which
// only happens when the gzip/upload side keeps up: memory stays at a few buffers whatever
// the object count. Hashes for the index are computed from the very bytes that are archived.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import tar from 'tar-stream';
import { itemPath } from '../storage/layout.ts';
import type { IndexEntry } from '../storage/types.ts';
import type { KubeObject } from '../cluster/types.ts';

export const GZIP_LEVEL = 6;

export class ArchiveWriter {
  private readonly pack = tar.pack();
  private readonly gzip: Gzip = createGzip({ level: GZIP_LEVEL });
  readonly entries: IndexEntry[] = [];
  bytes = 0;
  private readonly paths = new Set<string>();

  constructor(private readonly mtime: Date) {
    this.pack.on('error', (err: Error) => this.gzip.destroy(err));
    this.pack.pipe(this.gzip);
  }

  /** The tar.gz byte stream, to hand to storage. */
  get stream(): Readable {
    return this.gzip;
  }

  /** Archives one object; false when the same path was already archived (listed twice). */
  async add(groupResource: string, obj: KubeObject): Promise<boolean> {
    const { name, namespace } = obj.metadata;
    const path = itemPath(groupResource, namespace || undefined, name);
    if (this.paths.has(path)) return false;
    this.paths.add(path);
    const body = Buffer.from(JSON.stringify(obj), 'utf8');
    const sha256 = createHash('sha256').update(body).digest('hex');
    await new Promise<void>((resolve, reject) => {
      this.pack.entry({ name: path, size: body.length, mode: 0o644, mtime: this.mtime }, body, (err) => (err ? reject(err) : resolve()));
    });
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
    return true;
  }

  /** Ends the tar; the stream ends once gzip has flushed. */
  finish(): void {
    this.pack.finalize();
  }

  /** Stops producing (upload failed or the backup was cancelled). */
  destroy(err: Error): void {
    this.pack.destroy(err);
    this.gzip.destroy(err);
  }
}
