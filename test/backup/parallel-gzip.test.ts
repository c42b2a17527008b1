// The pigz-style parallel gzip (src/backup/parallel-gzip.ts): one standard gzip member that
// zlib and the system's gzip read back byte for byte, about the size of a single-threaded gzip,
// with backpressure towards the producer and errors that reach both sides.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { constants, crc32, gunzipSync, gzipSync, inflateRawSync, type InflateRaw } from 'node:zlib';
import { ParallelGzip } from '../../src/backup/parallel-gzip.ts';
import { prng } from '../support/prng.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Incompressible chunks this size are each more than the stream's 16 KiB buffer. */
const S_BLOCK = 64 * KiB;

/** Incompressible bytes. */
function randomBytes(n: number, seed: number): Buffer {
  const rnd = prng(seed);
  const b = Buffer.alloc(n);
  for (let k = 0; k < n; k++) b[k] = Math.floor(rnd() * 256);
  return b;
}

/** Repetitive, YAML-ish text that compresses well but not to nothing (like a backup's objects). */
function text(n: number, seed: number): Buffer {
  const rnd = prng(seed);
  const words = ['name', 'namespace', 'app', 'web', 'frontend', 'backend', 'config', 'value', 'enabled', 'replicas', 'image', 'nginx', 'port', 'true', 'false'];
  let s = '';
  let k = 0;
  while (s.length < n) {
    const w = () => words[Math.floor(rnd() * words.length)];
    s += `- ${w()}: ${w()}-${Math.floor(rnd() * 1000)}\n  ${w()}: "${w()} ${w()}"\n  id: ${k++}\n`;
  }
  return Buffer.from(s.slice(0, n), 'latin1');
}

function collect(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => resolve(Buffer.concat(parts)));
    stream.on('error', reject);
  });
}

/** Compresses `chunks` the way a producer should (awaiting backpressure); the last one ends the stream. */
async function gzipChunks(chunks: Buffer[], level = 6, parallel?: number): Promise<Buffer> {
  const gz = new ParallelGzip(level, parallel);
  const out = collect(gz.stream);
  for (let k = 0; k < chunks.length; k++) {
    const ready = gz.write(chunks[k], k === chunks.length - 1);
    if (ready) await ready;
  }
  await gz.drained();
  return out;
}

/** Checks that `gz` is exactly one gzip member holding `input`. */
function expectOneMember(gz: Buffer, input: Buffer): void {
  // Header: magic, deflate, no flags (so no optional fields: the deflate data starts at 10).
  expect([...gz.subarray(0, 4)]).toEqual([0x1f, 0x8b, 0x08, 0x00]);
  expect(gz.length).toBeGreaterThanOrEqual(18);
  // One deflate stream, whose final block ends exactly where the 8-byte trailer begins.
  const { buffer, engine } = inflateRawSync(gz.subarray(10), { info: true }) as unknown as { buffer: Buffer; engine: InflateRaw };
  expect(engine.bytesWritten, 'the deflate stream ends just before the trailer').toBe(gz.length - 18);
  expect(buffer.equals(input)).toBe(true);
  // Trailer: CRC-32 and ISIZE of the whole input.
  expect(gz.readUInt32LE(gz.length - 8), 'trailer CRC-32').toBe(crc32(input));
  expect(gz.readUInt32LE(gz.length - 4), 'trailer ISIZE').toBe(input.length % 2 ** 32);
  // And gunzip (which would read on into further members) gives the same bytes.
  expect(gunzipSync(gz).equals(input)).toBe(true);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Chunks of varied sizes (fresh buffers on every call, so no test sees another's). */
function variedChunks(): Buffer[] {
  return [
    text(10 * KiB, 1),
    Buffer.alloc(0), // empty chunk in the middle
    Buffer.from('x'), // one byte
    randomBytes(40 * KiB, 2), // incompressible, larger than the 32 KiB window
    text(300 * KiB, 3), // larger than the window
    Buffer.alloc(0),
    randomBytes(70 * KiB, 4),
    Buffer.from('y'),
    Buffer.from('x'), // repeats bytes two chunks back, through a 1-byte dictionary
    text(1 * KiB, 3), // same seed as the 300 KiB chunk: matches reach across chunks
    Buffer.concat([text(20 * KiB, 5), text(20 * KiB, 5)]),
    text(5 * KiB, 6),
  ];
}

describe('ParallelGzip output', () => {
  const input = Buffer.concat(variedChunks());

  it('gunzips to the concatenation of many chunks of varied sizes, as one gzip member', async () => {
    const gz = await gzipChunks(variedChunks(), 6, 3);
    expectOneMember(gz, input);
  });

  for (const level of [0, 1, 9]) {
    it(`round-trips at level ${level}`, async () => {
      const gz = await gzipChunks(variedChunks(), level, 2);
      expectOneMember(gz, input);
    });
  }

  it('round-trips with the default parallelism', async () => {
    const gz = await gzipChunks(variedChunks());
    expectOneMember(gz, input);
  });

  it('keeps chunk order with many small chunks and parallel=4', async () => {
    const rnd = prng(9);
    const base = text(64 * KiB, 10);
    const chunks: Buffer[] = [];
    for (let k = 0; k < 300; k++) {
      const len = Math.floor(rnd() * 3000);
      const at = Math.floor(rnd() * (base.length - len));
      chunks.push(rnd() < 0.2 ? randomBytes(len, k) : base.subarray(at, at + len));
    }
    const gz = await gzipChunks(chunks, 6, 4);
    expectOneMember(gz, Buffer.concat(chunks));
  });

  it('ends with an empty last chunk', async () => {
    const chunks = [text(50 * KiB, 11), randomBytes(1000, 12), Buffer.alloc(0)];
    const gz = await gzipChunks(chunks, 6, 2);
    expectOneMember(gz, Buffer.concat(chunks));
  });

  it('is within 1% of a single-threaded gzip at the same level (4 MiB in 256 KiB chunks)', async () => {
    const data = text(4 * MiB, 13);
    const chunks: Buffer[] = [];
    for (let at = 0; at < data.length; at += 256 * KiB) chunks.push(data.subarray(at, at + 256 * KiB));
    expect(chunks).toHaveLength(16);
    for (const level of [1, 6]) {
      const gz = await gzipChunks(chunks, level, 4);
      expectOneMember(gz, data);
      const single = gzipSync(data, { level }).length;
      expect(single).toBeLessThan(data.length / 3); // the data does compress
      expect(Math.abs(gz.length - single) / single, `level ${level}: ${gz.length} vs ${single}`).toBeLessThanOrEqual(0.01);
    }
  });

  it('is accepted and reproduced by the system gzip (gzip -t, gzip -dc)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-pgzip-'));
    try {
      const gz = await gzipChunks(variedChunks(), 6, 3);
      const file = join(dir, 'out.gz');
      await writeFile(file, gz);
      const t = spawnSync('gzip', ['-t', file], { encoding: 'utf8' });
      expect(t.stderr).toBe('');
      expect(t.status).toBe(0);
      const d = spawnSync('gzip', ['-dc', file], { maxBuffer: 64 * MiB });
      expect(d.stderr.toString()).toBe('');
      expect(d.status).toBe(0);
      expect(d.stdout.equals(input)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('ParallelGzip chunk reuse', () => {
  it('frees each chunk once its deflate has read it, and a producer that overwrites freed chunks gets the right stream', async () => {
    // Two buffers taking turns, as ArchiveWriter's spare batches do: each is refilled as soon as
    // it is freed. The window for the next chunk must not be read from a refilled buffer.
    const sizes = [48 * KiB, 3 * KiB, 20 * KiB, 100, 64 * KiB, 40 * KiB, 1, 33 * KiB];
    const sources = sizes.map((n, k) => (k % 2 ? randomBytes(n, k) : text(n, k)));
    const gz = new ParallelGzip(6, 2);
    const out = collect(gz.stream);
    const free: Buffer[] = [Buffer.alloc(64 * KiB), Buffer.alloc(64 * KiB)];
    const freed: number[] = [];
    for (let k = 0; k < sources.length; k++) {
      while (free.length === 0) await sleep(1);
      const buf = free.pop()!;
      sources[k].copy(buf);
      const chunk = buf.subarray(0, sources[k].length);
      const ready = gz.write(chunk, k === sources.length - 1, (c) => {
        expect(c).toBe(chunk);
        freed.push(k);
        buf.fill(0xee); // scribbled over at once
        free.push(buf);
      });
      if (ready) await ready;
    }
    await gz.drained();
    expectOneMember(await out, Buffer.concat(sources));
    expect(freed.sort((a, b) => a - b)).toEqual(sizes.map((_, k) => k));
  });

  it('uses the 32 KiB before each chunk as its dictionary, across chunks shorter than that', async () => {
    // A phrase that returns two short chunks later compresses as a back-reference (the same
    // size a single-threaded gzip reaches), not as new literals.
    const phrase = randomBytes(8 * KiB, 9);
    const chunks = [phrase, Buffer.from('-'), Buffer.from('+'), phrase];
    const gz = await gzipChunks(chunks, 6, 2);
    expectOneMember(gz, Buffer.concat(chunks));
    expect(gz.length).toBeLessThan(phrase.length + 1 * KiB);
  });
});

describe('ParallelGzip empty chunks', () => {
  // An empty Buffer may have no storage at all (a zero-length ArrayBuffer): this is what
  // Buffer.from(new ArrayBuffer(0)) gives, and what Buffer.alloc(0) becomes once its .buffer
  // has been looked at, e.g. by an earlier zlib call. Every kind must leave the CRC alone.
  const emptyKinds: Array<[string, () => Buffer]> = [
    ['Buffer.alloc(0)', () => Buffer.alloc(0)],
    ['Buffer.from(new ArrayBuffer(0))', () => Buffer.from(new ArrayBuffer(0))],
    [
      'Buffer.alloc(0) whose .buffer was read',
      () => {
        const b = Buffer.alloc(0);
        void b.buffer;
        return b;
      },
    ],
    ['an empty subarray of a larger buffer', () => Buffer.allocUnsafe(4096).subarray(0, 0)],
  ];

  for (const [kind, empty] of emptyKinds) {
    it(`keeps the CRC over an empty chunk in the middle: ${kind}`, async () => {
      const chunks = [text(20 * KiB, 40), empty(), text(20 * KiB, 41)];
      expectOneMember(await gzipChunks(chunks, 6, 2), Buffer.concat(chunks));
    });

    it(`keeps the CRC over an empty last chunk: ${kind}`, async () => {
      const chunks = [text(20 * KiB, 42), randomBytes(100, 43), empty()];
      expectOneMember(await gzipChunks(chunks, 6, 2), Buffer.concat(chunks));
    });
  }

  it('gives the same gzip when the same chunks are compressed a second time', async () => {
    const chunks = variedChunks(); // holds Buffer.alloc(0) chunks; the first run hands them to zlib
    const first = await gzipChunks(chunks, 6, 3);
    const second = await gzipChunks(chunks, 6, 3);
    expectOneMember(first, Buffer.concat(chunks));
    expectOneMember(second, Buffer.concat(chunks));
    expect(second.equals(first)).toBe(true);
  });
});

describe('ParallelGzip single chunk and end', () => {
  it('compresses a single chunk written with last=true', async () => {
    const data = text(100 * KiB, 20);
    const gz = new ParallelGzip(6, 2);
    const out = collect(gz.stream);
    const ready = gz.write(data, true);
    if (ready) await ready;
    await gz.drained();
    expectOneMember(await out, data);
  });

  it('makes a valid empty gzip from a single empty last chunk', async () => {
    const gz = await gzipChunks([Buffer.alloc(0)], 6, 2);
    expectOneMember(gz, Buffer.alloc(0));
    expect(gunzipSync(gz)).toHaveLength(0);
  });

  it('throws on a write after the last chunk, and the stream stays intact', async () => {
    const data = Buffer.from('only chunk');
    const gz = new ParallelGzip(6, 2);
    const out = collect(gz.stream);
    gz.write(data, true);
    expect(() => gz.write(Buffer.from('more'))).toThrow();
    expect(() => gz.write(Buffer.from('more'), true)).toThrow();
    await gz.drained();
    expectOneMember(await out, data);
  });
});

describe('ParallelGzip backpressure', () => {
  const S = S_BLOCK;

  for (const parallel of [2, 3]) {
    it(`lets a producer that awaits hand over exactly ${parallel} chunks while nothing reads (parallel=${parallel})`, async () => {
      const chunks = Array.from({ length: 8 }, (_, k) => randomBytes(S, 100 + k));
      const gz = new ParallelGzip(1, parallel);
      let writes = 0;
      const returned: Array<Promise<void> | undefined> = [];
      const producer = (async () => {
        for (let k = 0; k < chunks.length; k++) {
          const ready = gz.write(chunks[k], k === chunks.length - 1);
          writes++;
          returned.push(ready);
          if (ready) await ready;
        }
        await gz.drained();
      })();
      await sleep(300); // nothing reads the stream meanwhile
      expect(writes).toBe(parallel);
      // The first parallel-1 writes go straight through; the one that fills the pipeline returns a promise.
      expect(returned.slice(0, parallel - 1)).toEqual(Array(parallel - 1).fill(undefined));
      const blocking = returned[parallel - 1];
      expect(blocking).toBeInstanceOf(Promise);
      let settled = false;
      void blocking!.then(
        () => (settled = true),
        () => (settled = true),
      );
      await sleep(50);
      expect(settled).toBe(false);
      // Reading resumes the producer, and everything arrives.
      const out = collect(gz.stream);
      await producer;
      expect(settled).toBe(true);
      expect(writes).toBe(chunks.length);
      expectOneMember(await out, Buffer.concat(chunks));
    });
  }

  it('never has more than 2 chunks outstanding with parallel=2 and a slow consumer', async () => {
    const N = 16;
    const chunks = Array.from({ length: N }, (_, k) => randomBytes(S, 200 + k));
    const gz = new ParallelGzip(1, 2);
    const received: Buffer[] = [];
    const ended = once(gz.stream, 'end');
    gz.stream.on('data', (c: Buffer) => {
      received.push(c);
      gz.stream.pause(); // slow consumer: a pause after every piece
      setTimeout(() => gz.stream.resume(), 3);
    });
    /** Chunks the consumer has received in full (decompressing what arrived so far). */
    const receivedChunks = () => {
      const all = Buffer.concat(received);
      if (all.length <= 10) return 0;
      return Math.floor(inflateRawSync(all.subarray(10), { finishFlush: constants.Z_SYNC_FLUSH }).length / S);
    };
    let maxOutstanding = 0;
    let promises = 0;
    for (let k = 0; k < N; k++) {
      const ready = gz.write(chunks[k], k === N - 1);
      // Chunks handed over (this one included) that the consumer has not received in full.
      maxOutstanding = Math.max(maxOutstanding, k + 1 - receivedChunks());
      if (ready) {
        promises++;
        await ready;
      }
    }
    await gz.drained();
    await ended;
    expect(maxOutstanding).toBeLessThanOrEqual(2);
    expect(maxOutstanding).toBe(2); // and both slots were used
    expect(promises).toBeGreaterThan(N / 2); // the slow consumer did hold the producer back
    expectOneMember(Buffer.concat(received), Buffer.concat(chunks));
  });
});

describe('ParallelGzip errors', () => {
  it('destroy(err) makes the stream emit that error, and later writes throw it', async () => {
    const gz = new ParallelGzip(6, 2);
    const errored = once(gz.stream, 'error');
    gz.write(text(10 * KiB, 30));
    const boom = new Error('boom');
    gz.destroy(boom);
    const [err] = await errored;
    expect(err).toBe(boom);
    let thrown: unknown;
    try {
      gz.write(Buffer.from('later'));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(boom);
    expect(() => gz.write(Buffer.from('last'), true)).toThrow('boom');
    await expect(gz.drained()).rejects.toBe(boom);
  });

  it('destroy(err) releases a producer waiting on backpressure with that error', async () => {
    const gz = new ParallelGzip(1, 2);
    gz.stream.on('error', () => undefined);
    expect(gz.write(randomBytes(S_BLOCK, 31))).toBeUndefined();
    const waiting = gz.write(randomBytes(S_BLOCK, 32));
    expect(waiting).toBeInstanceOf(Promise);
    await sleep(100); // nothing reads: the producer is held
    const boom = new Error('disk full');
    gz.destroy(boom);
    await expect(waiting).rejects.toBe(boom);
    expect(() => gz.write(Buffer.from('x'))).toThrow('disk full');
  });

  it('a consumer that closes the stream early makes writes fail instead of hanging', async () => {
    const gz = new ParallelGzip(1, 2);
    gz.write(randomBytes(S_BLOCK, 33));
    const waiting = gz.write(randomBytes(S_BLOCK, 34));
    expect(waiting).toBeInstanceOf(Promise);
    const closed = once(gz.stream, 'close');
    gz.stream.destroy();
    await closed;
    await expect(waiting).rejects.toThrow();
    expect(() => gz.write(Buffer.from('x'))).toThrow();
  });
});

