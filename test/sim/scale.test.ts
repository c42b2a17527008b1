import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import pLimit from 'p-limit';
import { harness, configMap, type Harness } from './helpers.ts';

/** One create over a keep-alive connection: the client side kept cheap so the server is what is exercised. */
function create(agent: http.Agent, url: string, body: unknown): Promise<number> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(text);
  });
}

// 10,000 objects, as the backup and restore tests use. Timing is measured by the benchmark,
// not asserted here; this checks that every object arrives and pages cover each exactly once.
const N = 10_000;
let h: Harness;
beforeAll(async () => {
  h = await harness({ objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bulk' } }] });
});
afterAll(async () => {
  await h.sim.stop();
});

describe('10,000 objects', () => {
  it('creates them with concurrency 32 and lists them back in pages of 500', async () => {
    const limit = pLimit(32);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const url = `${h.sim.url}/api/v1/namespaces/bulk/configmaps`;
    const t0 = performance.now();
    const codes = await Promise.all(Array.from({ length: N }, (_, i) => limit(() => create(agent, url, configMap(`cm-${i}`, 'bulk', { shard: String(i % 10) })))));
    const t1 = performance.now();
    agent.destroy();
    expect(codes.every((c) => c === 201)).toBe(true);
    const names = new Set<string>();
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await h.core.listNamespacedConfigMap({ namespace: 'bulk', limit: 500, _continue: token });
      for (const c of page.items) names.add(c.metadata!.name!);
      token = page.metadata?._continue || undefined;
      pages += 1;
      if (token) expect(page.metadata!.remainingItemCount).toBe(N - pages * 500);
    } while (token);
    const t2 = performance.now();
    console.log(`sim scale: ${N} creates (concurrency 32) ${(t1 - t0).toFixed(0)} ms, paged list ${(t2 - t1).toFixed(0)} ms`);
    expect(pages).toBe(20);
    expect(names.size).toBe(N);
    expect(h.sim.stats.byVerb.create).toBe(N);
    const shard = await h.core.listNamespacedConfigMap({ namespace: 'bulk', labelSelector: 'shard=3' });
    expect(shard.items).toHaveLength(N / 10);
  }, 180_000);
});
