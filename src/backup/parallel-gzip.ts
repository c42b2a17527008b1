// A gzip stream compressed on several threads, the way pigz does it: each chunk is deflated
// on its own (on libuv's thread pool) with the previous chunk's last 32 KiB as its dictionary
// and ends on a sync flush, so the chunks join into one ordinary deflate stream; the CRC-32
// runs over the chunks in order. The result is one standard gzip member, the same size as a
// single-threaded gzip within a few bytes per chunk, readable by any gunzip.
//
// Why: one zlib stream compresses on one thread, and a backup's tar (headers and padding
// included) is twice the bytes of its objects; on the benchmark it held the whole pipeline
// back (bench/backup.bench.ts, BENCHMARKS.md).
import { PassThrough, type Readable } from 'node:stream';
import { availableParallelism } from 'node:os';
import { constants, crc32, deflateRaw, type ZlibOptions } from 'node:zlib';

const WINDOW = 32 * 1024;
const OUTPUT_CHUNK = 256 * 1024;
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]); // deflate, no name, mtime 0, Unix

function deflateChunk(chunk: Buffer, opts: ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => deflateRaw(chunk, opts, (err, out) => (err ? reject(err) : resolve(out))));
}

export class ParallelGzip {
  /** The gzip bytes, in order. */
  readonly stream: Readable;
  private readonly out = new PassThrough();
  private readonly parallel: number;
  private crc = 0;
  private size = 0;
  /** The last 32 KiB handed in: the next chunk's dictionary (zlib copies it when a chunk starts). */
  private readonly window = Buffer.allocUnsafe(WINDOW);
  private windowBytes = 0;
  /** Chunks handed out and not yet written to `stream`, oldest first. */
  private readonly inflight: Array<Promise<void>> = [];
  private written: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private ended = false;

  constructor(
    private readonly level: number,
    parallel = Math.max(2, Math.min(4, availableParallelism())),
  ) {
    this.parallel = parallel;
    this.stream = this.out;
    this.out.write(HEADER);
    this.out.on('error', (err) => (this.failure ??= err));
    this.out.on('close', () => (this.failure ??= this.ended ? undefined : new Error('archive stream closed')));
  }

  /**
   * Compresses `chunk`, which must not change until `free(chunk)` is called (once its deflate
   * has read it; never if it failed), so the caller may reuse it. Returns undefined while fewer
   * than `parallel` chunks are in work; otherwise a promise that settles when the caller may
   * hand over another, and rejects when the stream failed.
   */
  write(chunk: Buffer, last = false, free?: (chunk: Buffer) => void): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    if (this.ended) throw new Error('write after the last chunk');
    this.ended = last;
    // An empty buffer may have no memory behind it, and zlib's crc32 of a null pointer is 0,
    // not the running value.
    if (chunk.length > 0) this.crc = crc32(chunk, this.crc);
    this.size = (this.size + chunk.length) % 2 ** 32;
    // One output buffer holds a chunk's deflate (a few % of 1 MiB here): one trip back from the
    // thread pool per chunk instead of one per 16 KiB of output.
    const opts: ZlibOptions = { level: this.level, chunkSize: OUTPUT_CHUNK, finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH };
    if (this.windowBytes > 0) opts.dictionary = this.window.subarray(WINDOW - this.windowBytes);
    const compressed = deflateChunk(chunk, opts);
    // The dictionary was copied as the deflate started; the window now takes this chunk's end.
    this.slide(chunk);
    compressed.then(() => free?.(chunk), () => undefined); // a failure is reported through `written`
    const crc = this.crc;
    const size = this.size;
    const done = this.written.then(async () => {
      const data = await compressed;
      if (this.failure) throw this.failure;
      await this.push(data);
      if (last) {
        const trailer = Buffer.alloc(8);
        trailer.writeUInt32LE(crc >>> 0, 0);
        trailer.writeUInt32LE(size, 4);
        this.out.end(trailer);
      }
    });
    done.catch((err: Error) => {
      this.failure ??= err;
      this.out.destroy(err);
    });
    this.written = done;
    this.inflight.push(done);
    void done.then(
      () => this.inflight.splice(this.inflight.indexOf(done), 1),
      () => undefined,
    );
    return this.inflight.length < this.parallel ? undefined : this.inflight[0];
  }

  /** Settles when every chunk is in `stream` (and, after the last, the stream has ended). */
  drained(): Promise<void> {
    return this.written;
  }

  destroy(err: Error): void {
    this.failure ??= err;
    this.out.destroy(err);
  }

  /** Keeps the last WINDOW bytes seen (across chunks shorter than a window, too). */
  private slide(chunk: Buffer): void {
    if (chunk.length >= WINDOW) {
      chunk.copy(this.window, 0, chunk.length - WINDOW);
      this.windowBytes = WINDOW;
      return;
    }
    const keep = Math.min(this.windowBytes, WINDOW - chunk.length);
    this.window.copy(this.window, WINDOW - chunk.length - keep, WINDOW - keep);
    chunk.copy(this.window, WINDOW - chunk.length);
    this.windowBytes = keep + chunk.length;
  }

  private async push(data: Buffer): Promise<void> {
    if (this.out.write(data)) return;
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        this.out.off('close', onClose);
        resolve();
      };
      const onClose = () => {
        this.out.off('drain', onDrain);
        reject(this.failure ?? new Error('archive stream closed'));
      };
      this.out.once('drain', onDrain);
      this.out.once('close', onClose);
    });
  }
}
