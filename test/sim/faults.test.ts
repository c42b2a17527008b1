import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, apiError, configMap, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await harness({ objects: [configMap('c', 'default')] as any });
});
afterAll(async () => {
  await h.sim.stop();
});

describe('faults', () => {
  it('answers 403 Forbidden to list and get of a forbidden group-resource only', async () => {
    h.sim.faults.forbidden = ['secrets', 'deployments.apps'];
    const list = await apiError(() => h.core.listNamespacedSecret({ namespace: 'default' }));
    expect(list.code).toBe(403);
    expect(list.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403, details: { kind: 'secrets' } });
    expect(list.body.message).toContain('cannot list resource "secrets" in API group "" in the namespace "default"');
    const apps = await apiError(() => h.apps.listDeploymentForAllNamespaces());
    expect(apps.body.message).toContain('in API group "apps" at the cluster scope');
    expect((await h.core.listNamespacedConfigMap({ namespace: 'default' })).items).toHaveLength(1);
    h.sim.faults.forbidden = [];
    expect((await h.core.listNamespacedSecret({ namespace: 'default' })).items).toEqual([]);
  });

  it('fails the next N requests with 429 and Retry-After, then succeeds', async () => {
    h.sim.faults.failNext = [{ status: 429, count: 2, groupResource: 'configmaps' }];
    const first = await h.raw('GET', '/api/v1/namespaces/default/configmaps');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(first.body).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429, details: { retryAfterSeconds: 1 } });
    // Another resource is not affected.
    expect((await h.raw('GET', '/api/v1/namespaces/default/secrets')).status).toBe(200);
    expect((await h.raw('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(429);
    const third = await h.core.listNamespacedConfigMap({ namespace: 'default' });
    expect(third.items).toHaveLength(1);
  });

  it('injects 500 and 503 for any request when no resource is named', async () => {
    h.sim.faults.failNext = [{ status: 500, count: 1 }, { status: 503, count: 1 }];
    const a = await h.raw('GET', '/api/v1');
    expect(a.status).toBe(500);
    expect(a.body.reason).toBe('InternalError');
    const b = await h.raw('GET', '/api/v1/namespaces');
    expect(b.status).toBe(503);
    expect(b.body.reason).toBe('ServiceUnavailable');
    expect((await h.raw('GET', '/api/v1/namespaces')).status).toBe(200);
  });

  it('answers 401 to everything while unauthorized is set', async () => {
    h.sim.faults.unauthorized = true;
    try {
      // client-node reports 401 without parsing the body; the raw answer is a Status.
      expect((await apiError(() => h.core.listNamespace())).code).toBe(401);
      const raw = await h.raw('GET', '/api/v1/namespaces');
      expect(raw.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
      expect((await h.raw('GET', '/version')).status).toBe(401);
    } finally {
      h.sim.faults.unauthorized = false;
    }
    expect((await h.raw('GET', '/version')).status).toBe(200);
  });

  it('counts reads, writes and verbs', async () => {
    h.sim.resetStats();
    await h.core.listNamespacedConfigMap({ namespace: 'default' });
    await h.core.readNamespacedConfigMap({ namespace: 'default', name: 'c' });
    await h.core.createNamespacedConfigMap({ namespace: 'default', body: configMap('d', 'default') });
    await h.core.deleteNamespacedConfigMap({ namespace: 'default', name: 'd' });
    expect(h.sim.stats.reads).toBe(2);
    expect(h.sim.stats.writes).toBe(2);
    expect(h.sim.stats.byVerb).toEqual({ list: 1, get: 1, create: 1, delete: 1 });
  });
});
