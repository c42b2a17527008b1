// etcd's own integrity check of a snapshot. The Maintenance.Snapshot stream is the bbolt database
// followed by 32 bytes: the sha256 of the database (etcd server v3rpc/maintenance.go, Snapshot);
// `etcdctl snapshot save` stores the stream as is and `snapshot restore` checks that hash when
// the file's size is a multiple of 512 plus 32 (etcdserver/api/snap, hasChecksum). This stream
// checks the same while the bytes pass through, so a backup fails instead of storing a bad one.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export const ETCD_HASH_SIZE = 32;
/** bbolt's page size granularity that tells a snapshot with a hash from one without. */
const PAGE_MULTIPLE = 512;

export type EtcdHashErrorCode = 'etcd.snapshot-hash' | 'etcd.snapshot-truncated';

export class EtcdHashError extends Error {
  override readonly name = 'EtcdHashError';
  constructor(
    readonly code: EtcdHashErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface EtcdHashResult {
  /** Bytes of the stream, trailer included. */
  size: number;
  /** The sha256 etcd appended (hex). */
  sha256: string;
}

/** Passes a snapshot stream through unchanged and fails at its end unless etcd's hash matches. */
export class EtcdHashCheck extends Transform {
  private readonly hash = createHash('sha256');
  private tail: Buffer = Buffer.alloc(0);
  private size = 0;
  private checked?: EtcdHashResult;

  constructor(private readonly what: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    // Everything but the last 32 bytes seen so far is database: hash it now, keep only the tail.
    if (chunk.length >= ETCD_HASH_SIZE) {
      this.hash.update(this.tail);
      this.hash.update(chunk.subarray(0, chunk.length - ETCD_HASH_SIZE));
      this.tail = Buffer.from(chunk.subarray(chunk.length - ETCD_HASH_SIZE));
    } else {
      const all = Buffer.concat([this.tail, chunk]);
      const cut = Math.max(0, all.length - ETCD_HASH_SIZE);
      this.hash.update(all.subarray(0, cut));
      this.tail = all.subarray(cut);
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.size < ETCD_HASH_SIZE || this.size % PAGE_MULTIPLE !== ETCD_HASH_SIZE) {
      done(new EtcdHashError('etcd.snapshot-truncated', `${this.what}: ${this.size} bytes is not a database followed by etcd's 32-byte sha256 (truncated or not an etcd snapshot)`));
      return;
    }
    const actual = this.hash.digest();
    if (!timingSafeEqual(actual, this.tail)) {
      done(new EtcdHashError('etcd.snapshot-hash', `${this.what}: the database does not match etcd's sha256 appended to it (sha256 ${actual.toString('hex')}, etcd says ${this.tail.toString('hex')})`));
      return;
    }
    this.checked = { size: this.size, sha256: this.tail.toString('hex') };
    done();
  }

  /** Set once the stream ended with a matching hash. */
  result(): EtcdHashResult | undefined {
    return this.checked;
  }
}
