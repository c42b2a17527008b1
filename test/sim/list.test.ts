import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, configMap, apiError, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'alpha' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'beta' } },
    ...Array.from({ length: 25 }, (_, i) => configMap(`cm-${String(i).padStart(3, '0')}`, 'alpha', { tier: i % 2 ? 'odd' : 'even', idx: String(i) })),
    ...Array.from({ length: 10 }, (_, i) => configMap(`cm-${String(i).padStart(3, '0')}`, 'beta', i < 3 ? { tier: 'gold', release: 'r1' } : { release: 'r2' })),
  ];
  h = await harness({ objects: objects as any });
});
afterAll(async () => {
  await h.sim.stop();
});

describe('list', () => {
  it('lists one namespace, and all namespaces, in a stable order with kind XList', async () => {
    const alpha = await h.core.listNamespacedConfigMap({ namespace: 'alpha' });
    expect(alpha.items).toHaveLength(25);
    expect(alpha.items.map((c) => c.metadata!.name)).toEqual([...alpha.items.map((c) => c.metadata!.name!)].sort());
    const raw = await h.raw('GET', '/api/v1/configmaps');
    expect(raw.body.kind).toBe('ConfigMapList');
    expect(raw.body.apiVersion).toBe('v1');
    expect(raw.body.items).toHaveLength(35);
    expect(Number(raw.body.metadata.resourceVersion)).toBeGreaterThan(0);
    // Items of a built-in list carry no kind/apiVersion, like a real apiserver.
    expect(raw.body.items[0].kind).toBeUndefined();
    expect(raw.body.items[0].metadata.namespace).toBe('alpha');
    expect(raw.body.items[34].metadata.namespace).toBe('beta');
  });

  it('pages with limit and continue, reporting remainingItemCount', async () => {
    const names: string[] = [];
    let token: string | undefined;
    const remaining: number[] = [];
    let pages = 0;
    do {
      const page = await h.core.listNamespacedConfigMap({ namespace: 'alpha', limit: 10, _continue: token });
      pages += 1;
      names.push(...page.items.map((c) => c.metadata!.name!));
      token = page.metadata?._continue || undefined;
      if (token) remaining.push(page.metadata!.remainingItemCount!);
    } while (token);
    expect(pages).toBe(3);
    expect(remaining).toEqual([15, 5]);
    expect(names).toHaveLength(25);
    expect(new Set(names).size).toBe(25);
  });

  it('pages across namespaces for all-namespace lists', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await h.core.listConfigMapForAllNamespaces({ limit: 7, _continue: token });
      seen.push(...page.items.map((c) => `${c.metadata!.namespace}/${c.metadata!.name}`));
      token = page.metadata?._continue || undefined;
    } while (token);
    expect(seen).toHaveLength(35);
    expect(new Set(seen).size).toBe(35);
  });

  it('keeps paging correct when objects are created between pages', async () => {
    const first = await h.raw('GET', '/api/v1/namespaces/alpha/configmaps?limit=5');
    await h.core.createNamespacedConfigMap({ namespace: 'alpha', body: configMap('aaa-first', 'alpha') });
    await h.core.createNamespacedConfigMap({ namespace: 'alpha', body: configMap('zzz-last', 'alpha') });
    const rest = await h.raw('GET', `/api/v1/namespaces/alpha/configmaps?limit=100&continue=${encodeURIComponent(first.body.metadata.continue)}`);
    const names = rest.body.items.map((c: any) => c.metadata.name);
    expect(names[0]).toBe('cm-005');
    expect(names).toContain('zzz-last');
    expect(names).not.toContain('aaa-first');
    await h.core.deleteNamespacedConfigMap({ namespace: 'alpha', name: 'aaa-first' });
    await h.core.deleteNamespacedConfigMap({ namespace: 'alpha', name: 'zzz-last' });
  });

  it('rejects a continue token from another resource or a garbled one with 400', async () => {
    const page = await h.raw('GET', '/api/v1/namespaces/alpha/configmaps?limit=2');
    const wrong = await h.raw('GET', `/api/v1/namespaces/alpha/secrets?limit=2&continue=${page.body.metadata.continue}`);
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    const garbled = await h.raw('GET', '/api/v1/namespaces/alpha/configmaps?continue=not-a-token');
    expect(garbled.status).toBe(400);
    const badLimit = await h.raw('GET', '/api/v1/namespaces/alpha/configmaps?limit=-3');
    expect(badLimit.status).toBe(400);
  });

  const selectorCases: [string, number][] = [
    ['tier=even', 13],
    ['tier==odd', 12],
    ['tier!=even', 22],
    ['tier in (gold,odd)', 15],
    ['tier notin (gold,odd)', 20],
    ['tier', 28],
    ['!tier', 7],
    ['release=r1,tier=gold', 3],
    ['release,!tier', 7],
    ['idx in (1,2,3),tier=odd', 2],
    ['idx>20', 4],
    ['nothing=here', 0],
  ];
  it.each(selectorCases)('labelSelector %s matches %i objects across namespaces', async (selector, count) => {
    const list = await h.core.listConfigMapForAllNamespaces({ labelSelector: selector });
    expect(list.items).toHaveLength(count);
  });

  it('pages through a label-selected list without remainingItemCount', async () => {
    const first = await h.raw('GET', `/api/v1/configmaps?labelSelector=${encodeURIComponent('tier=even')}&limit=5`);
    expect(first.body.items).toHaveLength(5);
    expect(first.body.metadata.continue).toEqual(expect.any(String));
    expect(first.body.metadata.continue).not.toBe('');
    expect(first.body.metadata.remainingItemCount).toBeUndefined();
    const rest = await h.raw('GET', `/api/v1/configmaps?labelSelector=${encodeURIComponent('tier=even')}&continue=${first.body.metadata.continue}`);
    expect(rest.body.items).toHaveLength(8);
  });

  it('filters with fieldSelector on metadata.name and metadata.namespace', async () => {
    const byName = await h.core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.name=cm-001' });
    expect(byName.items.map((c) => c.metadata!.namespace).sort()).toEqual(['alpha', 'beta']);
    const byNs = await h.core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.namespace==beta,metadata.name!=cm-001' });
    expect(byNs.items).toHaveLength(9);
    const nsList = await h.core.listNamespace({ fieldSelector: 'metadata.name=alpha' });
    expect(nsList.items.map((n) => n.metadata!.name)).toEqual(['alpha']);
  });

  it('answers a bad selector with 400 BadRequest naming the problem', async () => {
    const badField = await apiError(() => h.core.listConfigMapForAllNamespaces({ fieldSelector: 'spec.foo=bar' }));
    expect(badField.code).toBe(400);
    expect(badField.body.message).toContain('field label not supported: spec.foo');
    const badLabel = await apiError(() => h.core.listConfigMapForAllNamespaces({ labelSelector: 'tier in (a' }));
    expect(badLabel.code).toBe(400);
    expect(badLabel.body.reason).toBe('BadRequest');
  });

  it('refuses watch with 405 rather than pretending', async () => {
    const res = await h.raw('GET', '/api/v1/namespaces/alpha/configmaps?watch=true');
    expect(res.status).toBe(405);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed', code: 405 });
    expect(res.body.message).toContain('watch is not supported');
  });

  it('renders a Table when kubectl asks for server-side printing', async () => {
    const res = await h.raw('GET', '/api/v1/namespaces/beta/configmaps?limit=2', undefined, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
    });
    expect(res.body.kind).toBe('Table');
    expect(res.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Created At']);
    expect(res.body.rows.map((r: any) => r.cells[0])).toEqual(['cm-000', 'cm-001']);
    expect(res.body.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'cm-000', namespace: 'beta' } });
    expect(res.body.metadata.continue).toEqual(expect.any(String));
    expect(res.body.metadata.continue).not.toBe('');
  });
});
