// putStream against radosgw: where one PUT ends and multipart begins, parts that arrive in
// pieces of any size, and a failing stream that leaves neither an object nor an unfinished upload.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FIRST_PART_SIZE, partSize, putStream } from '../../src/storage/s3-multipart.ts';
import { freshBucket, s3Client } from '../support/s3.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** `data` as a stream of pieces of the given sizes, cycled (a gzip or cipher stream's uneven chunks). */
function pieces(data: Buffer, sizes: number[]): Readable {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length];
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return Readable.from(out);
}

async function read(client: ReturnType<typeof s3Client>, bucket: string, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await client.getObject(bucket, key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The number of parts S3 assembled the object from: its ETag ends in "-<parts>" for a multipart upload. */
async function partsOf(client: ReturnType<typeof s3Client>, bucket: string, key: string): Promise<number> {
  const { etag } = await client.statObject(bucket, key);
  const m = /-(\d+)$/.exec(etag);
  return m ? Number(m[1]) : 1;
}

describe('S3 streamed upload (putStream)', () => {
  it('grows the part size every 1,000 parts, so 10,000 parts hold 268 GiB', () => {
    expect([1, 1000, 1001, 2000, 2001, 10_000].map((n) => partSize(n) / FIRST_PART_SIZE)).toEqual([1, 1, 2, 2, 3, 10]);
    let total = 0;
    for (let n = 1; n <= 10_000; n++) total += partSize(n);
    expect(Math.floor(total / 2 ** 30)).toBe(268);
  });

  it('sends a stream that ends within the first part as one PUT, and an empty stream as an empty object', async () => {
    const { bucket, conn } = await freshBucket();
    const client = s3Client(conn);
    for (const size of [0, 1, FIRST_PART_SIZE - 1, FIRST_PART_SIZE]) {
      const data = randomBytes(size);
      await putStream(client, bucket, `one-${size}`, pieces(data, [65_536, 7]));
      expect(sha(await read(client, bucket, `one-${size}`))).toBe(sha(data));
      expect(await partsOf(client, bucket, `one-${size}`)).toBe(1);
    }
  });

  it('skips empty chunks: exactly 5 MiB followed by empty ones is still one PUT, and empty chunks between parts lose nothing', async () => {
    const { bucket, conn } = await freshBucket();
    const client = s3Client(conn);
    const exact = randomBytes(FIRST_PART_SIZE);
    await putStream(client, bucket, 'exact', Readable.from([exact.subarray(0, 1000), Buffer.alloc(0), exact.subarray(1000), Buffer.alloc(0), Buffer.alloc(0)]));
    expect(sha(await read(client, bucket, 'exact'))).toBe(sha(exact));
    expect(await partsOf(client, bucket, 'exact')).toBe(1);
    const longer = randomBytes(2 * FIRST_PART_SIZE + 3);
    await putStream(client, bucket, 'longer', Readable.from([Buffer.alloc(0), longer.subarray(0, FIRST_PART_SIZE), Buffer.alloc(0), longer.subarray(FIRST_PART_SIZE), Buffer.alloc(0)]));
    expect(sha(await read(client, bucket, 'longer'))).toBe(sha(longer));
    expect(await partsOf(client, bucket, 'longer')).toBe(3);
  });

  it('sends a longer stream as parts of 5 MiB, whatever size its chunks have, byte for byte', async () => {
    const { bucket, conn } = await freshBucket();
    const client = s3Client(conn);
    for (const [size, parts] of [
      [FIRST_PART_SIZE + 1, 2],
      [3 * FIRST_PART_SIZE, 3],
      [3 * FIRST_PART_SIZE + 12_345, 4],
    ] as const) {
      const data = randomBytes(size);
      await putStream(client, bucket, `multi-${size}`, pieces(data, [1_000_003, 17, 4 * 1024 * 1024 + 5]));
      expect(sha(await read(client, bucket, `multi-${size}`))).toBe(sha(data));
      expect(await partsOf(client, bucket, `multi-${size}`)).toBe(parts);
    }
  });

  it('leaves no object and no unfinished upload when the stream fails after some parts were sent', async () => {
    const { bucket, conn } = await freshBucket();
    const client = s3Client(conn);
    async function* failing() {
      yield randomBytes(FIRST_PART_SIZE);
      yield randomBytes(FIRST_PART_SIZE);
      yield randomBytes(1000);
      throw new Error('snapshot stream broke');
    }
    await expect(putStream(client, bucket, 'broken', Readable.from(failing()))).rejects.toThrow('snapshot stream broke');
    await expect(client.statObject(bucket, 'broken')).rejects.toMatchObject({ code: 'NotFound' });
    const page = await client.listIncompleteUploadsQuery(bucket, '', '', '', '');
    expect(page.uploads).toEqual([]);
  });
});
