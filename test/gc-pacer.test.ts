// GcPacer really collects: Buffers nobody refers to any more are freed once enough bytes were
// streamed, and not before (8 MiB of them is far below what makes V8 collect on its own).
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { GcPacer } from '../src/gc-pacer.ts';

const MiB = 1024 * 1024;
const deadBuffers = () => {
  for (let i = 0; i < 8; i++) Buffer.allocUnsafeSlow(MiB).fill(i);
};
const arrayBuffersMiB = () => process.memoryUsage().arrayBuffers / MiB;

describe('GcPacer', () => {
  it('frees dead Buffers after every 4 MiB streamed, not before', async () => {
    const pacer = new GcPacer(4 * MiB, 1);
    for (let round = 0; round < 3; round++) {
      // Relative to what the process holds already: the worker may share it with other files.
      const base = arrayBuffersMiB();
      deadBuffers();
      await tick();
      pacer.streamed(4 * MiB - 1);
      await sleep(50); // V8 frees a collected Buffer's memory on a background thread, after the collection
      expect(arrayBuffersMiB() - base).toBeGreaterThanOrEqual(8);
      pacer.streamed(1);
      await sleep(50);
      expect(arrayBuffersMiB() - base).toBeLessThan(1);
    }
  });
});
