// The low-level object store every provider implements: keys relative to the location's
// prefix, streams in and out. BackupStore builds the layout of DESIGN §3 on top of it.
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
  /** Opaque version tag: an S3 ETag, or a content hash on the file system. Used for compare-and-swap. */
  etag: string;
}

export interface ObjectStore {
  /** Human-readable description without credentials, e.g. "s3://bucket/prefix at http://host:port". */
  readonly description: string;
  /** Writes an object from a buffer or a stream (streams of unknown length use multipart on S3). */
  put(key: string, body: Buffer | Readable): Promise<void>;
  /** Reads an object as a stream; NotFoundError when absent. */
  get(key: string): Promise<Readable>;
  /** Metadata of an object, or undefined when it does not exist. */
  stat(key: string): Promise<ObjectInfo | undefined>;
  /** Every object under a prefix (recursive), paging through the listing. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deletes an object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes many objects (batched where the provider can). */
  deleteMany(keys: string[]): Promise<void>;
  /** Creates a small object only if no object exists at the key; false when one does. Atomic. */
  putIfAbsent(key: string, body: Buffer): Promise<boolean>;
  /** Replaces a small object only if it still has the given etag; false when it changed or vanished. Atomic. */
  replaceIfUnchanged(key: string, body: Buffer, etag: string): Promise<boolean>;
  /**
   * Removes what killed writers left behind under the location (temporary files, unfinished
   * multipart uploads) that was last touched before `before`, never anything newer: a live
   * write keeps touching its own; nor anything whose key `keep` claims (a live run's). Returns
   * what was removed, for the log.
   */
  cleanLeftovers(before: Date, keep?: (key: string) => boolean): Promise<string[]>;
}
