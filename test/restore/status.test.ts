// restoreStatus through the status subresource: where a resource has one, the apiserver (and the
// simulator) ignore status in a create, so the backed-up status is written with PUT .../status.
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.ts';
import { ns, startHarness, type Harness } from './harness.ts';

const GADGETS = { group: 'example.com', version: 'v1', resource: 'gadgets', namespaced: true, kind: 'Gadget' };
const CRD: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gadgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
    versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};
const gadget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g1', namespace: 'shop' }, spec: { size: 2 }, status: { phase: 'Ready', observed: 3 } };

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function established(hh: Harness): Promise<void> {
  for (let i = 0; i < 100 && !(await hh.client.discover()).some((r) => r.groupResource === 'gadgets.example.com'); i++) await new Promise((r) => setTimeout(r, 20));
}

describe('restoreStatus', () => {
  it('writes the backed-up status through the status subresource, and leaves it out without restoreStatus', async () => {
    h = await startHarness({ objects: [CRD, ns('shop')] });
    await established(h);
    const created = await h.client.create(GADGETS, gadget);
    // The create dropped the status, as an apiserver does for a resource with a status subresource.
    expect(created.status).toBeUndefined();
    await h.client.replaceStatus(GADGETS, { ...created, status: gadget.status });
    expect((await h.get(GADGETS, 'shop', 'g1'))?.status).toEqual({ phase: 'Ready', observed: 3 });

    await h.backup('apps-1', { includedNamespaces: ['shop'] });
    await h.client.delete(GADGETS, 'shop', 'g1');
    const withStatus = await h.restore('with-status', { backupName: 'apps-1', includedNamespaces: ['shop'], restoreStatus: true });
    expect(withStatus.phase).toBe('Completed');
    const restored = await h.get(GADGETS, 'shop', 'g1');
    expect(restored?.status).toEqual({ phase: 'Ready', observed: 3 });
    expect(restored?.spec).toEqual({ size: 2 });

    await h.client.delete(GADGETS, 'shop', 'g1');
    const without = await h.restore('without-status', { backupName: 'apps-1', includedNamespaces: ['shop'] });
    expect(without.phase).toBe('Completed');
    const bare = await h.get(GADGETS, 'shop', 'g1');
    expect(bare?.spec).toEqual({ size: 2 });
    expect(bare?.status).toBeUndefined();
  });

  it('updates the status of an existing object under existingResourcePolicy update', async () => {
    h = await startHarness({ objects: [CRD, ns('shop')] });
    await established(h);
    const created = await h.client.create(GADGETS, gadget);
    await h.client.replaceStatus(GADGETS, { ...created, status: gadget.status });
    await h.backup('apps-1', { includedNamespaces: ['shop'] });
    const live = (await h.get(GADGETS, 'shop', 'g1'))!;
    await h.client.replaceStatus(GADGETS, { ...live, status: { phase: 'Broken', observed: 9 } });

    const result = await h.restore('fix', { backupName: 'apps-1', includedNamespaces: ['shop'], restoreStatus: true, existingResourcePolicy: 'update' });
    expect(result.items.find((i) => i.name === 'g1')?.action).toBe('updated');
    expect((await h.get(GADGETS, 'shop', 'g1'))?.status).toEqual({ phase: 'Ready', observed: 3 });
  });
});
