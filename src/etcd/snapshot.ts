// The Maintenance snapshot of one member, as a stream of the bytes etcd sends (the database
// and its trailing sha256, exactly what `etcdctl snapshot save` writes). gRPC flow control
// carries the backpressure: nothing is buffered beyond a message or two.
import { Readable } from 'node:stream';
import type { Etcd3 } from 'etcd3';
import { EtcdError } from './errors.ts';

export async function openSnapshot(client: Etcd3, endpoint: string, signal?: AbortSignal): Promise<Readable> {
  const stream = (await client.maintenance.snapshot()) as unknown as Readable & { cancel?: () => void };
  const cancel = () => stream.cancel?.();
  signal?.addEventListener('abort', cancel, { once: true });
  async function* blobs(): AsyncGenerator<Buffer> {
    try {
      for await (const message of stream) {
        const blob = (message as { blob: Buffer }).blob;
        if (blob.length > 0) yield blob;
      }
    } catch (err) {
      throw new EtcdError('etcd.snapshot', `the snapshot stream from ${endpoint} failed: ${((err as Error).message ?? String(err)).split('\n')[0]}`, { cause: err });
    } finally {
      // The engine's stop signal outlives this snapshot: leave no listener (and stream) behind.
      signal?.removeEventListener('abort', cancel);
      stream.cancel?.();
    }
  }
  return Readable.from(blobs(), { objectMode: false, highWaterMark: 1 << 20 });
}
