// S3 provider through the unchanged `minio` client: path-style or virtual-host, TLS on/off,
// paged listings, multipart for streams (s3-multipart.ts), conditional writes (If-None-Match / If-Match) for locks.
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { Client, S3Error } from 'minio';
import type { ObjectInfo, ObjectStore } from './object-store.ts';
import { LocationConfigError, NotFoundError, StorageError } from './errors.ts';
import { putStream } from './s3-multipart.ts';


export interface S3StoreOptions {
  /** Location name, for messages. */
  location: string;
  endpoint: string;
  bucket: string;
  prefix?: string;
  region?: string;
  forcePathStyle?: boolean;
  insecureSkipTLSVerify?: boolean;
  accessKey: string;
  secretKey: string;
  sessionToken?: string;
}

function s3Code(err: unknown): string | undefined {
  if (err instanceof S3Error || (typeof err === 'object' && err !== null && 'code' in err)) {
    return String((err as { code?: unknown }).code);
  }
  return undefined;
}

const MISSING = new Set(['NoSuchKey', 'NotFound', 'NoSuchObject']);

/** S3 error codes that mean the credentials or their permissions, not the object. */
const DENIED = new Set(['AccessDenied', 'AllAccessDisabled', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'RequestTimeTooSkewed', 'ExpiredToken', 'InvalidToken']);

export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  private readonly client: Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(private readonly opts: S3StoreOptions) {
    let url: URL;
    try {
      url = new URL(opts.endpoint);
    } catch {
      throw new LocationConfigError(`location ${opts.location}: spec.s3.endpoint ${JSON.stringify(opts.endpoint)} is not a URL; write it with its scheme, e.g. https://s3.example:9000`, { location: opts.location });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new LocationConfigError(`location ${opts.location}: spec.s3.endpoint must start with http:// or https://`, { location: opts.location });
    }
    const useSSL = url.protocol === 'https:';
    this.client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: opts.accessKey,
      secretKey: opts.secretKey,
      sessionToken: opts.sessionToken,
      region: opts.region ?? 'us-east-1',
      pathStyle: opts.forcePathStyle ?? true,
      ...(useSSL && opts.insecureSkipTLSVerify ? { transportAgent: new HttpsAgent({ rejectUnauthorized: false, keepAlive: true }) } : {}),
    });
    this.bucket = opts.bucket;
    const p = (opts.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.prefix = p ? `${p}/` : '';
    this.description = `s3://${opts.bucket}/${this.prefix} at ${url.origin}`;
  }

  private full(key: string): string {
    return `${this.prefix}${key}`;
  }

  /** Turns client errors into StorageErrors that name the object and the location, never a credential. */
  private wrap(err: unknown, key: string, action: string): never {
    const code = s3Code(err);
    if (code && MISSING.has(code)) throw new NotFoundError(`object ${key} not found in ${this.description}`, { location: this.opts.location, key });
    if (code === 'NoSuchBucket') {
      throw new NotFoundError(`location ${this.opts.location}: bucket ${this.bucket} does not exist at ${this.description}; create it first`, { location: this.opts.location, key });
    }
    if (code && DENIED.has(code)) {
      const fix =
        code === 'AccessDenied' || code === 'AllAccessDisabled'
          ? `grant the access key s3:GetObject, s3:PutObject, s3:DeleteObject, s3:ListBucket and s3:ListBucketMultipartUploads/s3:AbortMultipartUpload on ${this.bucket}/${this.prefix}*`
          : `check the access key and secret in the environment variables spec.s3.credentials names (and the clock, for ${code})`;
      throw new StorageError('storage.access-denied', `location ${this.opts.location}: ${action} ${key} was refused by ${this.description} (${code}): ${fix}`, {
        location: this.opts.location,
        key,
        cause: err,
      });
    }
    const message = err instanceof Error ? err.message : String(err);
    throw new StorageError('storage.io', `location ${this.opts.location}: ${action} ${key} failed (${code ?? 'error'}): ${message}`, {
      location: this.opts.location,
      key,
      cause: err,
    });
  }

  async put(key: string, body: Buffer | Readable): Promise<void> {
    try {
      if (Buffer.isBuffer(body)) await this.client.putObject(this.bucket, this.full(key), body, body.length);
      else await putStream(this.client, this.bucket, this.full(key), body);
    } catch (err) {
      this.wrap(err, key, 'writing');
    }
  }

  async get(key: string): Promise<Readable> {
    try {
      return await this.client.getObject(this.bucket, this.full(key));
    } catch (err) {
      this.wrap(err, key, 'reading');
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const st = await this.client.statObject(this.bucket, this.full(key));
      return { key, size: st.size, lastModified: st.lastModified, etag: st.etag };
    } catch (err) {
      const code = s3Code(err);
      if (code && MISSING.has(code)) return undefined;
      this.wrap(err, key, 'inspecting');
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // listObjectsV2 pages through the listing 1,000 keys at a time with continuation tokens.
    const stream = this.client.listObjectsV2(this.bucket, this.full(prefix), true);
    try {
      for await (const item of stream as AsyncIterable<{ name?: string; size: number; lastModified: Date; etag?: string }>) {
        if (!item.name) continue;
        yield { key: item.name.slice(this.prefix.length), size: item.size, lastModified: item.lastModified, etag: item.etag ?? '' };
      }
    } catch (err) {
      this.wrap(err, prefix, 'listing');
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.removeObject(this.bucket, this.full(key));
    } catch (err) {
      const code = s3Code(err);
      if (code && MISSING.has(code)) return;
      this.wrap(err, key, 'deleting');
    }
  }

  async deleteMany(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      const results = await this.client.removeObjects(this.bucket, keys.map((k) => this.full(k)));
      const failed = results.filter((r) => r && typeof r === 'object' && 'Error' in r);
      if (failed.length > 0) {
        throw new StorageError('storage.io', `location ${this.opts.location}: ${failed.length} of ${keys.length} objects could not be deleted`, { location: this.opts.location });
      }
    } catch (err) {
      if (err instanceof StorageError) throw err;
      this.wrap(err, keys[0], 'deleting');
    }
  }

  // Conditional writes must be single small PUTs: radosgw ignores If-None-Match on multipart uploads.
  private async conditionalPut(key: string, body: Buffer, header: Record<string, string>): Promise<boolean> {
    try {
      await this.client.putObject(this.bucket, this.full(key), body, body.length, header);
      return true;
    } catch (err) {
      const code = s3Code(err);
      if (code === 'PreconditionFailed' || (code && MISSING.has(code))) return false;
      this.wrap(err, key, 'writing');
    }
  }

  /** Aborts multipart uploads under the location's prefix initiated before `before` (S3 ListMultipartUploads + Abort). */
  async cleanLeftovers(before: Date, keep: (key: string) => boolean = () => false): Promise<string[]> {
    const removed: string[] = [];
    let keyMarker = '';
    let uploadIdMarker = '';
    try {
      for (;;) {
        const page = await this.client.listIncompleteUploadsQuery(this.bucket, this.prefix, keyMarker, uploadIdMarker, '');
        for (const u of page.uploads) {
          if (!u.key.startsWith(this.prefix) || !(u.initiated instanceof Date) || u.initiated.getTime() >= before.getTime()) continue;
          if (keep(u.key.slice(this.prefix.length))) continue;
          await this.client.abortMultipartUpload(this.bucket, u.key, u.uploadId);
          removed.push(`multipart upload of ${u.key.slice(this.prefix.length)} started ${u.initiated.toISOString()}`);
        }
        if (!page.isTruncated) break;
        keyMarker = page.nextKeyMarker;
        uploadIdMarker = page.nextUploadIdMarker;
      }
    } catch (err) {
      this.wrap(err, this.prefix || '(bucket root)', 'cleaning unfinished uploads under');
    }
    return removed;
  }

  putIfAbsent(key: string, body: Buffer): Promise<boolean> {
    return this.conditionalPut(key, body, { 'If-None-Match': '*' });
  }

  replaceIfUnchanged(key: string, body: Buffer, etag: string): Promise<boolean> {
    // The ETag goes back exactly as statObject reported it (unquoted): radosgw compares the
    // header literally and rejects the quoted form with PreconditionFailed.
    return this.conditionalPut(key, body, { 'If-Match': etag });
  }
}
