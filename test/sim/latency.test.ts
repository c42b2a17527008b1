// The simulator's commit-latency model: a committed write is applied at once but answered only
// after `writeLatencyMs`; reads, dry runs and rejected writes are answered at once; concurrent
// writes wait side by side, not one after another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSimulator } from '../../src/sim/index.ts';
import { harness, configMap, type Harness } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const LATENCY = 400;
const CM = '/api/v1/namespaces/lat/configmaps';

let h: Harness;
beforeAll(async () => {
  h = await harness({ writeLatencyMs: LATENCY, objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lat' } }] });
});
afterAll(async () => {
  await h.sim.stop();
});

/** Resolves with the order label once the promise settles, recording into `order`. */
function track<T>(order: string[], label: string, p: Promise<T>): Promise<T> {
  return p.then((v) => {
    order.push(label);
    return v;
  });
}

describe('writeLatencyMs', () => {
  it('answers each committed write no sooner than the latency', async () => {
    for (const [i, write] of [
      () => h.raw('POST', CM, configMap('a', 'lat')),
      () => h.raw('PUT', `${CM}/a`, { ...configMap('a', 'lat'), data: { key: 'b' } }),
      () => h.raw('PATCH', `${CM}/a`, { data: { key: 'c' } }, { 'content-type': 'application/merge-patch+json' }),
      () => h.raw('DELETE', `${CM}/a`),
    ].entries()) {
      const t0 = performance.now();
      const res = await write();
      const elapsed = performance.now() - t0;
      expect(res.status, `write ${i}`).toBeLessThan(300);
      // Timers may fire up to a millisecond early by rounding.
      expect(elapsed, `write ${i}`).toBeGreaterThanOrEqual(LATENCY - 1);
    }
  });

  it('applies the write at once: a read sent after it sees the object before the write is answered', async () => {
    const order: string[] = [];
    const write = track(order, 'create', h.raw('POST', CM, configMap('early', 'lat')));
    // The create reaches the server first; poll until the object is there.
    let found = 0;
    for (let i = 0; i < 50 && found !== 200; i++) {
      found = (await h.raw('GET', `${CM}/early`)).status;
      if (found !== 200) await new Promise((r) => setTimeout(r, 5));
    }
    order.push('read saw it');
    expect(found).toBe(200);
    expect((await write).status).toBe(201);
    expect(order).toEqual(['read saw it', 'create']);
  });

  it('lets concurrent writes wait side by side, in arrival order in the store', async () => {
    const n = 10;
    const before = Number((await h.raw('GET', CM)).body.metadata.resourceVersion);
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: n }, (_, i) => h.raw('POST', CM, configMap(`par-${i}`, 'lat'))));
    const elapsed = performance.now() - t0;
    expect(results.map((r) => r.status)).toEqual(Array(n).fill(201));
    // Serialized commits would take n x the latency; overlapping ones about one latency.
    expect(elapsed).toBeGreaterThanOrEqual(LATENCY - 1);
    expect(elapsed).toBeLessThan((n * LATENCY) / 2);
    const versions = results.map((r) => Number(r.body.metadata.resourceVersion)).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: n }, (_, i) => before + 1 + i));
  });

  it('answers reads, dry runs and rejected writes without waiting', async () => {
    await h.raw('POST', CM, configMap('exists', 'lat'));
    const order: string[] = [];
    const committed = track(order, 'committed create', h.raw('POST', CM, configMap('slow', 'lat')));
    const others = [
      track(order, 'list', h.raw('GET', CM)),
      track(order, 'dry-run create', h.raw('POST', `${CM}?dryRun=All`, configMap('dry', 'lat'))),
      track(order, 'rejected create', h.raw('POST', CM, configMap('exists', 'lat'))),
    ];
    const [list, dry, rejected] = await Promise.all(others);
    expect(list.status).toBe(200);
    expect(dry.status).toBe(201);
    expect(rejected.status).toBe(409);
    expect((await committed).status).toBe(201);
    expect(order.at(-1)).toBe('committed create');
    expect((await h.raw('GET', `${CM}/dry`)).status).toBe(404);
  });

  it('is off by default: a write to a plain simulator is answered before a delayed one', async () => {
    const sim = await startSimulator();
    try {
      const order: string[] = [];
      const delayed = track(order, 'with latency', h.raw('POST', CM, configMap('vs-default', 'lat')));
      const plain = track(
        order,
        'default',
        fetch(`${sim.url}/api/v1/namespaces/default/configmaps`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(configMap('quick', 'default')),
        }),
      );
      expect((await plain).status).toBe(201);
      expect((await delayed).status).toBe(201);
      expect(order).toEqual(['default', 'with latency']);
    } finally {
      await sim.stop();
    }
  });

  it('refuses a negative latency', async () => {
    await expect(startSimulator({ writeLatencyMs: -1 })).rejects.toThrow(/writeLatencyMs -1: expected a number of milliseconds/);
  });

  it('cairn sim serve refuses a bad --write-latency with exit code 2 and a message', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/cairn.js'), 'sim', 'serve', '--write-latency', 'soon', '--kubeconfig', join(tmpdir(), 'unused-kc.yaml')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    expect(code).toBe(2);
    expect(stderr).toContain('--write-latency soon: expected milliseconds');
  });
});
