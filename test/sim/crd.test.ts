import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { harness, apiError, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  // A generous delay keeps the "not served before Established" check deterministic on a busy machine.
  h = await harness({ objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } }], crdEstablishDelayMs: 400 });
});
afterAll(async () => {
  await h.sim.stop();
});

function widgetCrd(scope: 'Namespaced' | 'Cluster' = 'Namespaced'): k8s.V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope,
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
      versions: [
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } },
        { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } },
      ],
    },
  };
}

async function waitEstablished(name: string): Promise<k8s.V1CustomResourceDefinition> {
  for (let i = 0; i < 100; i++) {
    const crd = await h.ext.readCustomResourceDefinition({ name });
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return crd;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`CRD ${name} never became Established`);
}

describe('CustomResourceDefinitions', () => {
  it('registers the resource once Established, not before', async () => {
    const created = (await h.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd())).body;
    expect(created.status.conditions).toEqual([]);
    // Right after create the resource is not served yet: a restore has to wait.
    expect((await h.raw('GET', '/apis/example.com/v1/namespaces/apps/widgets')).status).toBe(404);
    const crd = await waitEstablished('widgets.example.com');
    const conds = Object.fromEntries(crd.status!.conditions!.map((c) => [c.type, c.status]));
    expect(conds).toEqual({ NamesAccepted: 'True', Established: 'True' });
    expect(crd.status!.acceptedNames).toMatchObject({ plural: 'widgets', kind: 'Widget' });
    expect(crd.status!.storedVersions).toEqual(['v1']);
    expect(Number(crd.metadata!.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));

    const groups = await h.raw('GET', '/apis');
    const group = groups.body.groups.find((g: any) => g.name === 'example.com');
    expect(group.preferredVersion).toEqual({ groupVersion: 'example.com/v1', version: 'v1' });
    expect(group.versions.map((v: any) => v.version)).toEqual(['v1', 'v1beta1']);
    const resources = await h.raw('GET', '/apis/example.com/v1');
    expect(resources.body.resources).toEqual([
      { name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', verbs: expect.arrayContaining(['list', 'create']), shortNames: ['wd'] },
    ]);
  });

  it('serves every verb on custom resources, in every served version', async () => {
    const body = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', labels: { size: 'l' } }, spec: { color: 'blue' } };
    const created: any = await h.custom.createNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'apps', plural: 'widgets', body });
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const list: any = await h.custom.listNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'apps', plural: 'widgets', labelSelector: 'size=l' });
    expect(list.kind).toBe('WidgetList');
    // Custom resource list items keep kind and apiVersion.
    expect(list.items[0]).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget', spec: { color: 'blue' } });
    const beta = await h.raw('GET', '/apis/example.com/v1beta1/namespaces/apps/widgets/w1');
    expect(beta.body.apiVersion).toBe('example.com/v1beta1');
    const patched: any = await h.custom.patchNamespacedCustomObject(
      { group: 'example.com', version: 'v1', namespace: 'apps', plural: 'widgets', name: 'w1', body: { spec: { color: 'red' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(patched.spec.color).toBe('red');
    expect(patched.metadata.generation).toBe(2);
    const replaced: any = await h.custom.replaceNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'apps', plural: 'widgets', name: 'w1', body: { ...patched, spec: { color: 'green' } } });
    expect(replaced.spec.color).toBe('green');
    const all: any = await h.custom.listCustomObjectForAllNamespaces({ group: 'example.com', version: 'v1', plural: 'widgets' });
    expect(all.items).toHaveLength(1);
    const viaObjectApi = await h.objects.read({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'apps' } });
    expect((viaObjectApi as any).spec.color).toBe('green');
    await h.custom.deleteNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'apps', plural: 'widgets', name: 'w1' });
    const gone = await apiError(() => h.custom.getNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'apps', plural: 'widgets', name: 'w1' }));
    expect(gone.code).toBe(404);
    expect(gone.body.message).toBe('widgets.example.com "w1" not found');
  });

  it('checks a custom resource body against the CRD kind and required name', async () => {
    const wrongKind = await h.raw('POST', '/apis/example.com/v1/namespaces/apps/widgets', { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g' } });
    expect(wrongKind.status).toBe(400);
    const noName = await h.raw('POST', '/apis/example.com/v1/namespaces/apps/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: {} });
    expect(noName.status).toBe(422);
  });

  it('unregisters the resource and removes its objects when the CRD is deleted', async () => {
    await h.custom.createNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'apps', plural: 'widgets', body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w2' } } });
    await h.ext.deleteCustomResourceDefinition({ name: 'widgets.example.com' });
    expect((await h.raw('GET', '/apis/example.com/v1')).status).toBe(404);
    const groups = await h.raw('GET', '/apis');
    expect(groups.body.groups.map((g: any) => g.name)).not.toContain('example.com');
    // Re-creating it starts empty.
    await h.ext.createCustomResourceDefinition({ body: widgetCrd('Cluster') });
    await waitEstablished('widgets.example.com');
    const list: any = await h.custom.listClusterCustomObject({ group: 'example.com', version: 'v1', plural: 'widgets' });
    expect(list.items).toEqual([]);
    const cluster: any = await h.custom.createClusterCustomObject({ group: 'example.com', version: 'v1', plural: 'widgets', body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'global' } } });
    expect(cluster.metadata.namespace).toBeUndefined();
  });

  it('rejects an invalid CRD with 422 naming the field', async () => {
    const bad = widgetCrd();
    bad.metadata!.name = 'gizmos.example.com';
    const err = await apiError(() => h.ext.createCustomResourceDefinition({ body: bad }));
    expect(err.code).toBe(422);
    expect(err.body.details.causes[0].field).toBe('metadata.name');
    const twoStorage = widgetCrd();
    twoStorage.metadata!.name = 'widgets.other.io';
    twoStorage.spec.group = 'other.io';
    twoStorage.spec.versions[1].storage = true;
    const err2 = await apiError(() => h.ext.createCustomResourceDefinition({ body: twoStorage }));
    expect(err2.code).toBe(422);
    expect(err2.body.message).toContain('exactly one version marked as storage');
  });
});
