import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { harness, configMap, apiError, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await harness({ objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'work' } }] });
});
afterAll(async () => {
  await h.sim.stop();
});

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('create and get', () => {
  it('sets server fields like an apiserver: uid, resourceVersion, creationTimestamp, managedFields', async () => {
    const created = await h.core.createNamespacedConfigMap({ namespace: 'work', body: configMap('settings', 'work', { app: 'x' }), fieldManager: 'cairn-test' });
    const md = created.metadata!;
    expect(md.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(md.resourceVersion)).toBeGreaterThan(0);
    expect(md.creationTimestamp).toBeInstanceOf(Date);
    expect(md.generation).toBeUndefined();
    expect(md.managedFields).toHaveLength(1);
    expect(md.managedFields![0]).toMatchObject({ manager: 'cairn-test', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1' });
    expect(md.managedFields![0].fieldsV1).toMatchObject({ 'f:data': { 'f:key': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } });
    const got = await h.core.readNamespacedConfigMap({ namespace: 'work', name: 'settings' });
    expect(got.metadata!.uid).toBe(md.uid);
    expect(got.data).toEqual({ key: 'settings' });
    const raw = await h.raw('GET', '/api/v1/namespaces/work/configmaps/settings');
    expect(raw.body).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(raw.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('gives every write the next value of one global resourceVersion counter', async () => {
    const a = await h.core.createNamespacedConfigMap({ namespace: 'work', body: configMap('rv-a', 'work') });
    const b = await h.core.createNamespacedSecret({ namespace: 'work', body: { metadata: { name: 'rv-b' }, stringData: { k: 'v' } } });
    expect(Number(b.metadata!.resourceVersion)).toBe(Number(a.metadata!.resourceVersion) + 1);
    expect(b.data).toEqual({ k: Buffer.from('v').toString('base64') });
    expect((b as any).stringData).toBeUndefined();
  });

  it('answers a duplicate create with 409 AlreadyExists as a Status', async () => {
    const err = await apiError(() => h.core.createNamespacedConfigMap({ namespace: 'work', body: configMap('settings', 'work') }));
    expect(err.code).toBe(409);
    expect(err.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "settings" already exists',
      reason: 'AlreadyExists',
      details: { name: 'settings', kind: 'configmaps' },
      code: 409,
    });
  });

  it('answers 404 NotFound for a missing object, with group in details for grouped resources', async () => {
    const err = await apiError(() => h.apps.readNamespacedDeployment({ namespace: 'work', name: 'ghost' }));
    expect(err.code).toBe(404);
    expect(err.body).toMatchObject({ reason: 'NotFound', message: 'deployments.apps "ghost" not found', details: { name: 'ghost', group: 'apps', kind: 'deployments' } });
  });

  it('requires the namespace to exist (404 naming it)', async () => {
    const err = await apiError(() => h.core.createNamespacedConfigMap({ namespace: 'nowhere', body: configMap('x', 'nowhere') }));
    expect(err.code).toBe(404);
    expect(err.body).toMatchObject({ reason: 'NotFound', message: 'namespaces "nowhere" not found', details: { name: 'nowhere', kind: 'namespaces' } });
  });

  it('rejects a missing name and an invalid name with 422 Invalid and causes', async () => {
    const missing = await h.raw('POST', '/api/v1/namespaces/work/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
    expect(missing.body.details.causes[0]).toMatchObject({ reason: 'FieldValueRequired', field: 'metadata.name' });
    const bad = await apiError(() => h.core.createNamespacedConfigMap({ namespace: 'work', body: configMap('Bad_Name', 'work') }));
    expect(bad.code).toBe(422);
    expect(bad.body.message).toContain('ConfigMap "Bad_Name" is invalid: metadata.name');
    const badNs = await apiError(() => h.core.createNamespace({ body: { metadata: { name: 'a.b' } } }));
    expect(badNs.code).toBe(422);
  });

  it('rejects a body of another kind, apiVersion or namespace than the URL (400, as the apiserver does)', async () => {
    const kind = await h.raw('POST', '/api/v1/namespaces/work/configmaps', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } });
    expect(kind.status).toBe(400);
    expect(kind.body.message).toContain('must be of type ConfigMap');
    const version = await h.raw('POST', '/apis/apps/v1/namespaces/work/deployments', { apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'd' } });
    expect(version.status).toBe(400);
    const ns = await h.raw('POST', '/api/v1/namespaces/work/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } });
    expect(ns.status).toBe(400);
    expect(ns.body.message).toBe('the namespace of the provided object does not match the namespace sent on the request');
    const notJson = await h.raw('POST', '/api/v1/namespaces/work/configmaps', '{"kind":');
    expect(notJson.status).toBe(400);
  });

  it('refuses a create that carries a resourceVersion, as etcd storage does', async () => {
    const res = await h.raw('POST', '/api/v1/namespaces/work/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'restored', resourceVersion: '42' } });
    expect(res.status).toBe(500);
    expect(res.body.message).toContain('resourceVersion should not be set on objects to be created');
  });

  it('generates names from generateName', async () => {
    const a = await h.core.createNamespacedConfigMap({ namespace: 'work', body: { metadata: { generateName: 'job-' }, data: {} } });
    const b = await h.core.createNamespacedConfigMap({ namespace: 'work', body: { metadata: { generateName: 'job-' }, data: {} } });
    expect(a.metadata!.name).toMatch(/^job-[a-z0-9]{5}$/);
    expect(b.metadata!.name).not.toBe(a.metadata!.name);
    expect((await h.core.readNamespacedConfigMap({ namespace: 'work', name: a.metadata!.name! })).metadata!.generateName).toBe('job-');
  });

  it('creates through KubernetesObjectApi with kind lookup and for cluster-scoped types', async () => {
    const created = await h.objects.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:cairn-reader' }, rules: [] } as k8s.KubernetesObject);
    expect(created.metadata!.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const read = await h.objects.read({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:cairn-reader' } });
    expect(read.kind).toBe('ClusterRole');
  });

  it('supports dryRun=All without storing anything', async () => {
    const res = await h.raw('POST', '/api/v1/namespaces/work/configmaps?dryRun=All', configMap('dry', 'work'));
    expect(res.status).toBe(201);
    expect(res.body.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((await h.raw('GET', '/api/v1/namespaces/work/configmaps/dry')).status).toBe(404);
  });
});

describe('server-set fields of particular types', () => {
  it('assigns Service cluster IPs (not for headless) and node ports for NodePort', async () => {
    const svc = await h.core.createNamespacedService({ namespace: 'work', body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } });
    expect(svc.spec!.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(svc.spec!.clusterIPs).toEqual([svc.spec!.clusterIP]);
    expect(svc.spec!.ports![0]).toMatchObject({ protocol: 'TCP', targetPort: 80 });
    expect(svc.spec!.type).toBe('ClusterIP');
    const headless = await h.core.createNamespacedService({ namespace: 'work', body: { metadata: { name: 'db' }, spec: { clusterIP: 'None', ports: [{ port: 5432 }] } } });
    expect(headless.spec!.clusterIP).toBe('None');
    const np = await h.core.createNamespacedService({ namespace: 'work', body: { metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 443 }] } } });
    const ports = np.spec!.ports!.map((p) => p.nodePort!);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(30000);
    expect(new Set(ports).size).toBe(2);
    // Restoring a Service whose IP is taken fails like a real cluster does.
    const clash = await apiError(() => h.core.createNamespacedService({ namespace: 'work', body: { metadata: { name: 'web2' }, spec: { clusterIP: svc.spec!.clusterIP, ports: [{ port: 80 }] } } }));
    expect(clash.code).toBe(422);
    expect(clash.body.message).toContain('provided IP is already allocated');
  });

  it('gives Deployments defaults, generation and a status; generation bumps only on spec change', async () => {
    const body: k8s.V1Deployment = {
      metadata: { name: 'api', labels: { app: 'api' } },
      spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
    };
    const d = await h.apps.createNamespacedDeployment({ namespace: 'work', body });
    expect(d.metadata!.generation).toBe(1);
    expect(d.spec!.replicas).toBe(1);
    expect(d.status).toMatchObject({ replicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 });
    expect(d.status!.conditions!.map((c) => c.type)).toEqual(['Available', 'Progressing']);
    const labelled = await h.apps.patchNamespacedDeployment({ namespace: 'work', name: 'api', body: { metadata: { labels: { team: 'a' } } } }, merge);
    expect(labelled.metadata!.generation).toBe(1);
    const scaled = await h.apps.patchNamespacedDeployment({ namespace: 'work', name: 'api', body: { spec: { replicas: 3 } } }, merge);
    expect(scaled.metadata!.generation).toBe(2);
    expect(scaled.status).toMatchObject({ replicas: 3, observedGeneration: 2 });
  });

  it('labels namespaces with kubernetes.io/metadata.name and reports them Active', async () => {
    const ns = await h.core.createNamespace({ body: { metadata: { name: 'fresh' } } });
    expect(ns.metadata!.labels).toEqual({ 'kubernetes.io/metadata.name': 'fresh' });
    expect(ns.status!.phase).toBe('Active');
  });
});

describe('update', () => {
  it('replaces with the current resourceVersion and answers 409 Conflict for a stale one', async () => {
    const cur = await h.core.readNamespacedConfigMap({ namespace: 'work', name: 'settings' });
    const next = await h.core.replaceNamespacedConfigMap({ namespace: 'work', name: 'settings', body: { ...cur, data: { key: 'v2' } } });
    expect(next.data).toEqual({ key: 'v2' });
    expect(Number(next.metadata!.resourceVersion)).toBeGreaterThan(Number(cur.metadata!.resourceVersion));
    expect(next.metadata!.uid).toBe(cur.metadata!.uid);
    expect(next.metadata!.creationTimestamp).toEqual(cur.metadata!.creationTimestamp);
    const stale = await apiError(() => h.core.replaceNamespacedConfigMap({ namespace: 'work', name: 'settings', body: { ...cur, data: { key: 'v3' } } }));
    expect(stale.code).toBe(409);
    expect(stale.body).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on configmaps "settings": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('allows an unconditional update without resourceVersion, 404 for a missing object, 400 for a name mismatch', async () => {
    const ok = await h.core.replaceNamespacedConfigMap({ namespace: 'work', name: 'settings', body: { metadata: { name: 'settings' }, data: { key: 'v4' } } });
    expect(ok.data).toEqual({ key: 'v4' });
    const missing = await apiError(() => h.core.replaceNamespacedConfigMap({ namespace: 'work', name: 'absent', body: configMap('absent', 'work') }));
    expect(missing.code).toBe(404);
    const mismatch = await h.raw('PUT', '/api/v1/namespaces/work/configmaps/settings', configMap('other', 'work'));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toContain('does not match the name on the URL');
  });
});

describe('patch', () => {
  it('applies a JSON merge patch (null deletes a key)', async () => {
    await h.core.createNamespacedConfigMap({ namespace: 'work', body: { metadata: { name: 'mp', labels: { a: '1', b: '2' } }, data: { x: '1', y: '2' } } });
    const p = await h.core.patchNamespacedConfigMap({ namespace: 'work', name: 'mp', body: { metadata: { labels: { b: null, c: '3' } }, data: { y: null, z: '3' } } }, merge);
    expect(p.metadata!.labels).toEqual({ a: '1', c: '3' });
    expect(p.data).toEqual({ x: '1', z: '3' });
  });

  it('applies a JSON patch (client-node default content type) and answers 422 when a test op fails', async () => {
    const p = await h.core.patchNamespacedConfigMap({ namespace: 'work', name: 'mp', body: [{ op: 'replace', path: '/data/x', value: 'one' }, { op: 'add', path: '/data/w', value: '4' }] });
    expect(p.data).toEqual({ x: 'one', z: '3', w: '4' });
    const failed = await apiError(() => h.core.patchNamespacedConfigMap({ namespace: 'work', name: 'mp', body: [{ op: 'test', path: '/data/x', value: 'nope' }] }));
    expect(failed.code).toBe(422);
    expect(failed.body.reason).toBe('Invalid');
  });

  it('treats a resourceVersion in a patch as a precondition (409 when stale)', async () => {
    const stale = await apiError(() => h.core.patchNamespacedConfigMap({ namespace: 'work', name: 'mp', body: { metadata: { resourceVersion: '1' }, data: { q: '1' } } }, merge));
    expect(stale.code).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
  });

  it('rejects strategic merge and apply patches with 415 and says what to send', async () => {
    const smp = await apiError(() => h.objects.patch({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mp', namespace: 'work' }, data: { s: '1' } } as k8s.KubernetesObject));
    expect(smp.code).toBe(415);
    expect(smp.body).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });
    expect(smp.body.message).toContain('application/merge-patch+json');
    const apply = await h.raw('PATCH', '/api/v1/namespaces/work/configmaps/mp?fieldManager=x', 'apiVersion: v1\nkind: ConfigMap\n', { 'content-type': 'application/apply-patch+yaml' });
    expect(apply.status).toBe(415);
    expect(apply.body.message).toContain('server-side apply');
  });

  it('patches through KubernetesObjectApi with merge patch, and 404s a missing object', async () => {
    const p = await h.objects.patch({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mp', namespace: 'work' }, data: { k: 'objapi' } } as k8s.KubernetesObject, undefined, undefined, undefined, undefined, k8s.PatchStrategy.MergePatch);
    expect((p as k8s.V1ConfigMap).data!.k).toBe('objapi');
    const missing = await apiError(() => h.core.patchNamespacedConfigMap({ namespace: 'work', name: 'none', body: { data: {} } }, merge));
    expect(missing.code).toBe(404);
  });
});

describe('delete', () => {
  it('deletes with a Success Status and then answers 404', async () => {
    const status = await h.raw('DELETE', '/api/v1/namespaces/work/configmaps/mp');
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'mp', kind: 'configmaps' } });
    const again = await apiError(() => h.core.deleteNamespacedConfigMap({ namespace: 'work', name: 'mp' }));
    expect(again.code).toBe(404);
  });

  it('honours a resourceVersion precondition in DeleteOptions', async () => {
    await h.core.createNamespacedConfigMap({ namespace: 'work', body: configMap('guarded', 'work') });
    const err = await apiError(() => h.core.deleteNamespacedConfigMap({ namespace: 'work', name: 'guarded', body: { preconditions: { resourceVersion: '1' } } }));
    expect(err.code).toBe(409);
  });

  it('deletes a namespace together with its objects, and refuses to delete default', async () => {
    await h.core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await h.core.createNamespacedConfigMap({ namespace: 'doomed', body: configMap('one', 'doomed') });
    await h.core.createNamespacedService({ namespace: 'doomed', body: { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } } });
    // Like the apiserver, deleting a namespace answers with the Namespace, now Terminating.
    const ns = await h.raw('DELETE', '/api/v1/namespaces/doomed');
    expect(ns.status).toBe(200);
    expect(ns.body).toMatchObject({ kind: 'Namespace', metadata: { name: 'doomed' }, status: { phase: 'Terminating' } });
    expect(Date.parse(ns.body.metadata.deletionTimestamp)).not.toBeNaN();
    expect((await h.core.listNamespacedConfigMap({ namespace: 'doomed' })).items).toHaveLength(0);
    expect((await apiError(() => h.core.readNamespace({ name: 'doomed' }))).code).toBe(404);
    const refused = await apiError(() => h.core.deleteNamespace({ name: 'default' }));
    expect(refused.code).toBe(403);
  });

  it('deletes a collection by label selector', async () => {
    for (const n of ['c1', 'c2', 'c3']) await h.core.createNamespacedConfigMap({ namespace: 'work', body: configMap(n, 'work', { batch: n === 'c3' ? 'keep' : 'drop' }) });
    await h.core.deleteCollectionNamespacedConfigMap({ namespace: 'work', labelSelector: 'batch=drop' });
    const left = await h.core.listNamespacedConfigMap({ namespace: 'work', labelSelector: 'batch' });
    expect(left.items.map((c) => c.metadata!.name)).toEqual(['c3']);
  });
});

describe('what the simulator does not support', () => {
  it('answers unsupported methods and subresource writes with 405 Status', async () => {
    const post = await h.raw('POST', '/api/v1/namespaces/work/configmaps/settings', {});
    expect(post.status).toBe(405);
    expect(post.body).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed', code: 405 });
    const scale = await h.raw('PUT', '/apis/apps/v1/namespaces/work/deployments/api/scale', { spec: { replicas: 2 } });
    expect(scale.status).toBe(405);
    expect(scale.body.message).toContain('subresource');
    const putCollection = await h.raw('PUT', '/api/v1/namespaces/work/configmaps', {});
    expect(putCollection.status).toBe(405);
    const discoveryWrite = await h.raw('POST', '/apis', {});
    expect(discoveryWrite.status).toBe(405);
    const protobuf = await h.raw('POST', '/api/v1/namespaces/work/configmaps', 'x', { 'content-type': 'application/vnd.kubernetes.protobuf' });
    expect(protobuf.status).toBe(415);
  });

  it('serves GET on the status subresource as the object', async () => {
    const res = await h.raw('GET', '/apis/apps/v1/namespaces/work/deployments/api/status');
    expect(res.status).toBe(200);
    expect(res.body.status.replicas).toBe(3);
  });
});

describe('the status subresource', () => {
  const path = '/apis/apps/v1/namespaces/work/deployments/api/status';

  it('PATCH and PUT change the status only, with the resourceVersion precondition of an update', async () => {
    const before = (await h.raw('GET', path)).body;
    const patched = await h.raw('PATCH', path, { status: { observedGeneration: 99 }, spec: { replicas: 7 } }, { 'content-type': 'application/merge-patch+json' });
    expect(patched.status).toBe(200);
    expect(patched.body.status).toMatchObject({ observedGeneration: 99, replicas: before.status.replicas });
    expect(patched.body.spec.replicas).toBe(before.spec.replicas); // the spec part of the patch is ignored
    expect(Number(patched.body.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
    expect(patched.body.metadata.generation).toBe(before.metadata.generation);

    const stale = await h.raw('PUT', path, { ...before, status: { replicas: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ kind: 'Status', reason: 'Conflict' });
    const put = await h.raw('PUT', path, { ...patched.body, status: { replicas: 1 } });
    expect(put.status).toBe(200);
    expect(put.body.status).toEqual({ replicas: 1 });
  });

  it('is not served for a resource without one', async () => {
    const res = await h.raw('PUT', '/api/v1/namespaces/work/configmaps/settings/status', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } });
    expect(res.status).toBe(404);
  });
});

describe('decoding checks of ConfigMaps and Secrets', () => {
  it('rejects non-base64 Secret data and non-string ConfigMap data with 400', async () => {
    const secret = await h.raw('POST', '/api/v1/namespaces/work/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain' }, data: { password: 'not base64!' } });
    expect(secret.status).toBe(400);
    expect(secret.body.message).toContain('data["password"] is not valid base64');
    const cm = await h.raw('POST', '/api/v1/namespaces/work/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'num' }, data: { n: 3 } });
    expect(cm.status).toBe(400);
    expect(cm.body.message).toContain('data["n"] must be a string');
  });

  it('keeps immutable ConfigMaps immutable (422) while metadata may change', async () => {
    await h.core.createNamespacedConfigMap({ namespace: 'work', body: { metadata: { name: 'frozen' }, data: { a: '1' }, immutable: true } });
    const err = await apiError(() => h.core.patchNamespacedConfigMap({ namespace: 'work', name: 'frozen', body: { data: { a: '2' } } }, merge));
    expect(err.code).toBe(422);
    expect(err.body.details.causes[0]).toMatchObject({ field: 'data', reason: 'FieldValueForbidden' });
    const labelled = await h.core.patchNamespacedConfigMap({ namespace: 'work', name: 'frozen', body: { metadata: { labels: { ok: 'yes' } } } }, merge);
    expect(labelled.metadata!.labels).toEqual({ ok: 'yes' });
  });
});

describe('list resourceVersion', () => {
  it('serves resourceVersionMatch=Exact at the current revision and 410 Expired for an older one', async () => {
    const now = await h.raw('GET', '/api/v1/namespaces/work/configmaps');
    const rv = now.body.metadata.resourceVersion;
    const exact = await h.raw('GET', `/api/v1/namespaces/work/configmaps?resourceVersion=${rv}&resourceVersionMatch=Exact`);
    expect(exact.status).toBe(200);
    const old = await h.raw('GET', `/api/v1/namespaces/work/configmaps?resourceVersion=${Number(rv) - 5}&resourceVersionMatch=Exact`);
    expect(old.status).toBe(410);
    expect(old.body).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
    const any = await h.raw('GET', '/api/v1/namespaces/work/configmaps?resourceVersion=0');
    expect(any.status).toBe(200);
  });
});
