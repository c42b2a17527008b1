import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { harness, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h.sim.stop();
});

describe('discovery', () => {
  it('answers /version with a v1.31 server version through client-node', async () => {
    const v = await h.kc.makeApiClient(k8s.VersionApi).getCode();
    expect(v.gitVersion).toBe('v1.31.0');
    expect(v.major).toBe('1');
    expect(v.minor).toBe('31');
  });

  it('lists the core group at /api and its resources at /api/v1', async () => {
    const api = await h.raw('GET', '/api');
    expect(api.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const core = await h.kc.makeApiClient(k8s.CoreV1Api).getAPIResources();
    expect(core.groupVersion).toBe('v1');
    const byName = new Map(core.resources.map((r) => [r.name, r]));
    for (const name of ['namespaces', 'configmaps', 'secrets', 'services', 'serviceaccounts', 'pods', 'persistentvolumeclaims', 'persistentvolumes', 'endpoints', 'events', 'nodes']) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(byName.get('configmaps')).toMatchObject({ kind: 'ConfigMap', namespaced: true, singularName: 'configmap', shortNames: ['cm'] });
    expect(byName.get('configmaps')!.verbs).toEqual(expect.arrayContaining(['create', 'delete', 'get', 'list', 'patch', 'update']));
    expect(byName.get('nodes')).toMatchObject({ kind: 'Node', namespaced: false });
    expect(byName.get('namespaces')).toMatchObject({ namespaced: false });
    // Subresources are listed with a slash so clients can skip them.
    expect(byName.get('pods/log')).toMatchObject({ kind: 'Pod', verbs: ['get'] });
    expect(byName.get('services/status')).toMatchObject({ verbs: ['get', 'patch', 'update'] });
  });

  it('lists every built-in group in /apis with a preferred version', async () => {
    const groups = await h.kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    expect(groups.kind).toBe('APIGroupList');
    const names = groups.groups.map((g) => g.name);
    for (const g of ['apps', 'batch', 'rbac.authorization.k8s.io', 'networking.k8s.io', 'storage.k8s.io', 'apiextensions.k8s.io', 'events.k8s.io', 'admissionregistration.k8s.io', 'coordination.k8s.io', 'scheduling.k8s.io']) {
      expect(names, g).toContain(g);
    }
    const apps = groups.groups.find((g) => g.name === 'apps')!;
    expect(apps.preferredVersion).toEqual({ groupVersion: 'apps/v1', version: 'v1' });
    expect(apps.versions).toEqual([{ groupVersion: 'apps/v1', version: 'v1' }]);
  });

  it('serves APIResourceList per group version with subresources marked', async () => {
    const apps = await h.apps.getAPIResources();
    const names = apps.resources.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['deployments', 'statefulsets', 'daemonsets', 'replicasets', 'deployments/status', 'deployments/scale']));
    const scale = apps.resources.find((r) => r.name === 'deployments/scale')!;
    expect(scale).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    const expected: [string, string, boolean][] = [
      ['/apis/batch/v1', 'cronjobs', true],
      ['/apis/rbac.authorization.k8s.io/v1', 'clusterrolebindings', false],
      ['/apis/networking.k8s.io/v1', 'networkpolicies', true],
      ['/apis/storage.k8s.io/v1', 'storageclasses', false],
      ['/apis/apiextensions.k8s.io/v1', 'customresourcedefinitions', false],
      ['/apis/events.k8s.io/v1', 'events', true],
      ['/apis/admissionregistration.k8s.io/v1', 'validatingwebhookconfigurations', false],
      ['/apis/coordination.k8s.io/v1', 'leases', true],
      ['/apis/scheduling.k8s.io/v1', 'priorityclasses', false],
    ];
    for (const [path, resource, namespaced] of expected) {
      const res = await h.raw('GET', path);
      expect(res.body.kind).toBe('APIResourceList');
      expect(res.body.resources.find((r: any) => r.name === resource), `${path} ${resource}`).toMatchObject({ namespaced });
    }
    const group = await h.raw('GET', '/apis/apps');
    expect(group.body).toMatchObject({ kind: 'APIGroup', name: 'apps', preferredVersion: { groupVersion: 'apps/v1' } });
  });

  it('answers unknown groups, versions and paths with a 404 Status', async () => {
    for (const path of ['/apis/nope.example.com', '/apis/apps/v9', '/api/v2', '/apis/apps/v1/nothings', '/foo']) {
      const res = await h.raw('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
    }
  });

  it('maps kinds to resources for KubernetesObjectApi (the discovery it does itself)', async () => {
    const list = await h.objects.list('rbac.authorization.k8s.io/v1', 'ClusterRole');
    expect(list.items).toEqual([]);
    const health = await h.raw('GET', '/healthz');
    expect(health).toMatchObject({ status: 200, body: 'ok' });
  });
});

describe('aggregated discovery (apidiscovery.k8s.io/v2)', () => {
  const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

  it('answers /api and /apis in one document each when the client asks for it', async () => {
    const apis = await h.raw('GET', '/apis', undefined, { accept: AGGREGATED });
    expect(apis.status).toBe(200);
    expect(apis.headers.get('content-type')).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(apis.body).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
    const apps = apis.body.items.find((i: any) => i.metadata.name === 'apps');
    expect(apps.versions[0]).toMatchObject({ version: 'v1', freshness: 'Current' });
    const deployments = apps.versions[0].resources.find((r: any) => r.resource === 'deployments');
    expect(deployments).toMatchObject({ responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' }, scope: 'Namespaced', singularResource: 'deployment' });
    expect(deployments.subresources.map((s: any) => s.subresource)).toEqual(expect.arrayContaining(['scale', 'status']));
    expect(apis.body.items.some((i: any) => i.metadata.name === undefined)).toBe(false); // the core group is at /api

    const api = await h.raw('GET', '/api', undefined, { accept: AGGREGATED });
    expect(api.body.items).toHaveLength(1);
    expect(api.body.items[0].metadata).toEqual({});
    const core = api.body.items[0].versions[0];
    expect(core.version).toBe('v1');
    expect(core.resources.find((r: any) => r.resource === 'nodes')).toMatchObject({ scope: 'Cluster', responseKind: { kind: 'Node' } });
    // Subresources are nested, never listed as resources of their own.
    expect(core.resources.some((r: any) => r.resource.includes('/'))).toBe(false);
  });

  it('answers the classic documents to a plain JSON request, and always when started as a pre-1.26 server', async () => {
    expect((await h.raw('GET', '/apis', undefined, { accept: 'application/json' })).body.kind).toBe('APIGroupList');
    const old = await harness({ legacyDiscovery: true });
    try {
      const apis = await old.raw('GET', '/apis', undefined, { accept: AGGREGATED });
      expect(apis.body.kind).toBe('APIGroupList');
      expect(apis.headers.get('content-type')).toBe('application/json');
    } finally {
      await old.sim.stop();
    }
  });
});
