// A stream of unknown length into one S3 object, with the memory of two parts whatever its size.
//
// minio's own streaming putObject was the S3 path before; measured on an etcd snapshot (issue 14),
// it held three to four parts at a time (its chunker's buffer, the part it concatenates, the
// one in flight) and allocated each part anew, and it first lists the bucket's unfinished
// uploads of the key to resume one. Here two part buffers are allocated once per upload and
// reused: one fills while the other is sent. A stream that ends within the first part is sent
// as one plain PUT of exactly its bytes: a backup writes three objects, most of them far below
// 5 MiB, and a 5 MiB buffer for each was external memory V8 answers with collections.
//
// Part sizes grow with the upload: 5 MiB (S3's minimum for all but the last part) for the first
// 1,000 parts, 10 MiB for the next 1,000, and so on, so the 10,000 parts S3 allows hold 268 GiB
// while the objects cairn usually writes (archives, snapshots of a few GiB) cost 10 MiB.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Client } from 'minio';

const MiB = 1024 * 1024;
/** S3's smallest part (all parts but the last) and the size below which one PUT is sent. */
export const FIRST_PART_SIZE = 5 * MiB;
const PARTS_PER_STEP = 1000;
const MAX_PARTS = 10_000;

/** The size of part `n` (1-based). */
export function partSize(n: number): number {
  return FIRST_PART_SIZE * (1 + Math.floor((n - 1) / PARTS_PER_STEP));
}

/** Reads a stream of chunks into part buffers, or as the chunks themselves. */
class Filler {
  private rest: Buffer | undefined;
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer | string>) {}

  /** Fills `buf`; returns how many bytes it holds (less than its length: the stream ended). */
  async fill(buf: Buffer): Promise<number> {
    let n = 0;
    while (n < buf.length) {
      const c = await this.current();
      if (!c) break;
      n += this.consume(Math.min(c.length, buf.length - n)).copy(buf, n);
    }
    return n;
  }

  /** Up to `limit` bytes as the stream's own chunks (no copy); fewer when it ended. */
  async take(limit: number): Promise<{ chunks: Buffer[]; bytes: number }> {
    const chunks: Buffer[] = [];
    let bytes = 0;
    while (bytes < limit) {
      const c = await this.current();
      if (!c) break;
      const part = this.consume(Math.min(c.length, limit - bytes));
      chunks.push(part);
      bytes += part.length;
    }
    return { chunks, bytes };
  }

  /** True when the stream has nothing more (empty chunks count as nothing). */
  async ended(): Promise<boolean> {
    return (await this.current()) === undefined;
  }

  /** The unread bytes of the current chunk, pulling chunks until one has some; undefined at the end. */
  private async current(): Promise<Buffer | undefined> {
    while (!this.rest?.length && !this.done) {
      const next = await this.it.next();
      if (next.done) this.done = true;
      else this.rest = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
    return this.rest?.length ? this.rest : undefined;
  }

  /** The next `n` bytes of the current chunk (at most its length), as a view; the rest stays. */
  private consume(n: number): Buffer {
    const rest = this.rest!;
    this.rest = n < rest.length ? rest.subarray(n) : undefined;
    return n < rest.length ? rest.subarray(0, n) : rest;
  }
}

/** Writes `body` to `bucket/key`; on failure removes the parts it sent, then throws. */
export async function putStream(client: Client, bucket: string, key: string, body: Readable): Promise<void> {
  const source = new Filler(body[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>);
  const head = await source.take(FIRST_PART_SIZE);
  if (head.bytes < FIRST_PART_SIZE || (await source.ended())) {
    await client.putObject(bucket, key, Buffer.concat(head.chunks, head.bytes), head.bytes);
    return;
  }
  let filling: Buffer = Buffer.allocUnsafeSlow(FIRST_PART_SIZE);
  let first = 0;
  for (const c of head.chunks) first += c.copy(filling, first);

  const uploadId = await client.initiateNewMultipartUpload(bucket, key, {});
  const etags: Array<{ part: number; etag: string }> = [];
  let sending: Promise<void> = Promise.resolve();
  let spare: Buffer | undefined;
  try {
    let n = 1;
    let filled = first;
    for (;;) {
      const part = filling.subarray(0, filled);
      const number = n;
      await sending; // the other buffer is free again once its part is stored
      sending = sendPart(client, bucket, key, uploadId, number, part).then((etag) => void etags.push({ part: number, etag }));
      sending.catch(() => undefined); // awaited on the next round or below
      if (filled < filling.length || (await source.ended())) break;
      if (++n > MAX_PARTS) throw new Error(`the object is larger than S3's ${MAX_PARTS} parts allow`);
      const size = partSize(n);
      const next = spare && spare.length === size ? spare : Buffer.allocUnsafeSlow(size);
      spare = filling;
      filling = next;
      filled = await source.fill(filling);
    }
    await sending;
    etags.sort((a, b) => a.part - b.part);
    await client.completeMultipartUpload(bucket, key, uploadId, etags);
  } catch (err) {
    await sending.catch(() => undefined);
    await client.abortMultipartUpload(bucket, key, uploadId).catch(() => undefined);
    throw err;
  }
}

async function sendPart(client: Client, bucket: string, key: string, uploadId: string, n: number, part: Buffer): Promise<string> {
  const res = await client.makeRequestAsyncOmit(
    {
      method: 'PUT',
      bucketName: bucket,
      objectName: key,
      query: `partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`,
      headers: { 'Content-Length': String(part.length), 'Content-MD5': createHash('md5').update(part).digest('base64') },
    },
    part,
  );
  const etag = res.headers.etag;
  if (typeof etag !== 'string' || etag === '') throw new Error(`part ${n} of ${key}: the server answered without an ETag`);
  return etag.replace(/^"|"$/g, '');
}
