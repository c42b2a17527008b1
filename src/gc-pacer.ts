// Garbage collections paced by the bytes a stream moves, for the streams that move gigabytes
// through short-lived Buffers (an etcd snapshot: gRPC messages, 1 MiB deflate inputs, their outputs,
// upload parts).
//
// Why: a Buffer's bytes live outside V8's heap, and V8 frees them only when it collects the
// small object that owns them. A scavenge is triggered by JavaScript allocation, which such a
// stream hardly does, and the collection V8 triggers by itself for outside memory waits for
// ~64 MiB of it to pile up; measured on a 256 MiB snapshot, peak RSS was 146 MiB without this
// pacing and 127 MiB with it, in the same time (BENCHMARKS.md, etcd). A scavenge every 4 MiB
// streamed costs well under a millisecond (a small young generation, nearly all of it dead); a
// full collection every 64 MiB catches what two scavenges promoted.
//
// The collector is V8's `gc` extension, made available at run time the way jest-leak-detector
// does it: the flag is set, and a new context created after that has `gc`. Nothing else in the
// process changes: the main context does not get a global `gc`.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's gc(): with no options a forced full collection, with `{ type: 'minor' }` a young-generation one. */
export type Gc = (options?: { type: 'minor' | 'major' }) => void;

let gc: Gc | null | undefined;

/** V8's gc(), or undefined when this runtime cannot expose it (also used by engine/idle-memory.ts). */
export function exposedGc(): Gc | undefined {
  return collector() ?? undefined;
}

function collector(): Gc | null {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as Gc;
    } catch {
      gc = null; // a runtime without the extension: V8's own timing, more memory, same result
    }
  }
  return gc;
}

/**
 * Counts bytes streamed: a young-generation collection after every `every` bytes, and a full one
 * after every `majorEvery` young ones, for the Buffers that lived through two scavenges (an
 * upload part, a chunk waiting for its deflate) and were promoted.
 */
export class GcPacer {
  private since = 0;
  private minors = 0;
  constructor(
    private readonly every = 4 * 1024 * 1024,
    private readonly majorEvery = 16,
  ) {}

  streamed(bytes: number): void {
    this.since += bytes;
    if (this.since < this.every) return;
    this.since = 0;
    const major = ++this.minors % this.majorEvery === 0;
    const gc = collector();
    if (!gc) return;
    // gc() with no options is V8's forced full collection; measured, gc({ type: 'major' }) left
    // dead Buffers alive now and then (test/gc-pacer.test.ts failed 1 run in 5 with it).
    if (major) gc();
    else gc({ type: 'minor' });
  }
}
