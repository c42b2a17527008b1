// The restore pipeline's pure parts: order, prepare, diff/merge patch, filter, mapping, spec hash.
import { describe, expect, it } from 'vitest';
import { HIGH_PRIORITIES, LOW_PRIORITIES, orderGroupResources, planSteps } from '../../src/restore/order.ts';
import { prepareObject } from '../../src/restore/prepare.ts';
import { createMergePatch, fieldDiff } from '../../src/restore/diff.ts';
import { mayRestore, selectItems } from '../../src/restore/filter.ts';
import { mapItemNamespace, missingNamespaces } from '../../src/restore/mapping.ts';
import { restoreSpecHash } from '../../src/restore/spec-hash.ts';
import type { Item, KubeObject } from '../../src/cluster/types.ts';
import type { RestoreItem } from '../../src/restore/types.ts';

const obj = (apiVersion: string, kind: string, name: string, namespace?: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  ...extra,
});

describe('order', () => {
  it('follows Velero defaultRestorePriorities, then the rest alphabetically, then the low priorities', () => {
    const got = orderGroupResources([
      'clusters.cluster.x-k8s.io',
      'deployments.apps',
      'services',
      'configmaps',
      'customresourcedefinitions.apiextensions.k8s.io',
      'widgets.example.com',
      'namespaces',
      'clusterbootstraps.run.tanzu.vmware.com',
      'storageclasses.storage.k8s.io',
      'endpoints',
      'apples.example.com',
    ]);
    expect(got).toEqual([
      'customresourcedefinitions.apiextensions.k8s.io',
      'namespaces',
      'storageclasses.storage.k8s.io',
      'configmaps',
      'endpoints',
      'services',
      'apples.example.com',
      'deployments.apps',
      'widgets.example.com',
      'clusterbootstraps.run.tanzu.vmware.com',
      'clusters.cluster.x-k8s.io',
    ]);
    expect(HIGH_PRIORITIES.slice(-3)).toEqual(['clusterclasses.cluster.x-k8s.io', 'endpoints', 'services']);
    expect(LOW_PRIORITIES).toHaveLength(3);
  });

  it('groups items into one step per group-resource, sorted by namespace and name', () => {
    const item = (gr: string, name: string, namespace?: string): RestoreItem => ({ groupResource: gr, name, namespace, object: obj('v1', 'X', name, namespace) });
    const steps = planSteps([item('configmaps', 'b', 'ns'), item('namespaces', 'ns'), item('configmaps', 'a', 'ns')]);
    expect(steps.map((s) => [s.groupResource, s.items.map((i) => i.name)])).toEqual([
      ['namespaces', ['ns']],
      ['configmaps', ['a', 'b']],
    ]);
  });
});

describe('prepare', () => {
  it('drops server-set metadata, ownerReferences and status; keeps labels, annotations, finalizers', () => {
    const input = obj('v1', 'ConfigMap', 'c', 'ns', { data: { a: '1' }, status: { x: 1 } });
    Object.assign(input.metadata, {
      uid: 'u',
      resourceVersion: '7',
      generation: 2,
      creationTimestamp: 't',
      managedFields: [],
      selfLink: '/x',
      ownerReferences: [{ uid: 'old' }],
      finalizers: ['keep'],
      labels: { a: 'b' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    });
    const out = prepareObject('configmaps', input);
    expect(out).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'ns', finalizers: ['keep'], labels: { a: 'b' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      data: { a: '1' },
    });
    expect(input.metadata.uid).toBe('u'); // input untouched
    expect(prepareObject('configmaps', input, { restoreStatus: true }).status).toEqual({ x: 1 });
  });

  it('drops Service cluster IPs unless headless, and node ports unless preserved', () => {
    const svc = obj('v1', 'Service', 's', 'ns', { spec: { clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1'], healthCheckNodePort: 3, ports: [{ port: 80, nodePort: 30080 }] } });
    expect(prepareObject('services', svc).spec).toEqual({ ports: [{ port: 80 }] });
    expect(prepareObject('services', svc, { preserveNodePorts: true }).spec).toEqual({ healthCheckNodePort: 3, ports: [{ port: 80, nodePort: 30080 }] });
    const headless = obj('v1', 'Service', 'h', 'ns', { spec: { clusterIP: 'None', clusterIPs: ['None'] } });
    expect(prepareObject('services', headless).spec).toEqual({ clusterIP: 'None', clusterIPs: ['None'] });
  });

  it('unbinds PVs, unschedules pods and drops token volumes, re-mints SA token secrets, frees Job selectors', () => {
    const pv = obj('v1', 'PersistentVolume', 'pv', undefined, { spec: { claimRef: { name: 'c', namespace: 'n', uid: 'u', resourceVersion: '1' } } });
    pv.metadata.annotations = { 'pv.kubernetes.io/bound-by-controller': 'yes' };
    expect(prepareObject('persistentvolumes', pv)).toEqual({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv' }, spec: { claimRef: { name: 'c', namespace: 'n' } } });

    const pod = obj('v1', 'Pod', 'p', 'n', {
      spec: {
        nodeName: 'node-1',
        priorityClassName: 'high',
        priority: 1000,
        volumes: [{ name: 'kube-api-access-x1' }, { name: 'data' }],
        containers: [{ name: 'c', volumeMounts: [{ name: 'kube-api-access-x1' }, { name: 'data' }] }],
      },
    });
    expect(prepareObject('pods', pod).spec).toEqual({ priorityClassName: 'high', volumes: [{ name: 'data' }], containers: [{ name: 'c', volumeMounts: [{ name: 'data' }] }] });

    const tok = obj('v1', 'Secret', 't', 'n', { type: 'kubernetes.io/service-account-token', data: { token: 'x' } });
    tok.metadata.annotations = { 'kubernetes.io/service-account.name': 'sa', 'kubernetes.io/service-account.uid': 'old' };
    const t = prepareObject('secrets', tok);
    expect(t.data).toBeUndefined();
    expect(t.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': 'sa' });

    const sa = obj('v1', 'ServiceAccount', 'sa', 'n', { secrets: [{ name: 'sa-token-abc' }, { name: 'pull' }] });
    expect(prepareObject('serviceaccounts', sa).secrets).toEqual([{ name: 'pull' }]);

    const job = obj('batch/v1', 'Job', 'j', 'n', {
      spec: { selector: { matchLabels: { 'controller-uid': 'u' } }, template: { metadata: { labels: { 'controller-uid': 'u', app: 'x' } } } },
    });
    expect(prepareObject('jobs.batch', job).spec).toEqual({ template: { metadata: { labels: { app: 'x' } } } });
  });
});

describe('diff', () => {
  it('lists changed JSON pointers with old → new for scalars', () => {
    const live = { spec: { replicas: 1, keep: 'x', gone: true, list: [1, 2] }, metadata: { labels: { 'a/b': '1' } } };
    const want = { spec: { replicas: 3, keep: 'x', list: [1, 2, 3], added: { deep: 1 } }, metadata: { labels: { 'a/b': '2' } } };
    expect(fieldDiff(live, want)).toEqual([
      { path: '/metadata/labels/a~1b', op: 'replace', old: '1', new: '2' },
      { path: '/spec/added', op: 'add' },
      { path: '/spec/gone', op: 'remove', old: true },
      { path: '/spec/list', op: 'replace' },
      { path: '/spec/replicas', op: 'replace', old: 1, new: 3 },
    ]);
    expect(fieldDiff(want, want)).toEqual([]);
  });

  it('builds an RFC 7386 merge patch that nulls removed keys', () => {
    expect(createMergePatch({ a: 1, b: { c: 1, d: 2 }, e: [1] }, { a: 1, b: { c: 2 }, e: [1, 2], f: 'x' })).toEqual({ b: { c: 2, d: null }, e: [1, 2], f: 'x' });
    expect(createMergePatch({ a: { b: 1 } }, { a: { b: 1 } })).toBeUndefined();
  });
});

describe('filter and mapping', () => {
  const crd = obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', undefined, { spec: { group: 'example.com', names: { plural: 'widgets' } } });
  const items: Item[] = [
    { groupResource: 'namespaces', name: 'a', object: obj('v1', 'Namespace', 'a') },
    { groupResource: 'namespaces', name: 'b', object: obj('v1', 'Namespace', 'b') },
    { groupResource: 'customresourcedefinitions.apiextensions.k8s.io', name: 'widgets.example.com', object: crd },
    { groupResource: 'clusterroles.rbac.authorization.k8s.io', name: 'r', object: obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r') },
    { groupResource: 'widgets.example.com', namespace: 'a', name: 'w', object: obj('example.com/v1', 'Widget', 'w', 'a', { metadata: { name: 'w', namespace: 'a', labels: { app: 'x' } } }) },
    { groupResource: 'configmaps', namespace: 'a', name: 'c', object: obj('v1', 'ConfigMap', 'c', 'a') },
    { groupResource: 'configmaps', namespace: 'b', name: 'c', object: obj('v1', 'ConfigMap', 'c', 'b') },
    { groupResource: 'events', namespace: 'a', name: 'e', object: obj('v1', 'Event', 'e', 'a') },
  ];
  const names = (list: Item[]) => list.map((i) => `${i.groupResource}/${i.namespace ?? ''}/${i.name}`).sort();

  it('with a namespace filter keeps that namespace, the CRDs it needs, and never events', () => {
    const sel = { includedNamespaces: ['a'] };
    expect(names(selectItems(items, sel))).toEqual([
      'configmaps/a/c',
      'customresourcedefinitions.apiextensions.k8s.io//widgets.example.com',
      'namespaces//a',
      'widgets.example.com/a/w',
    ]);
    expect(mayRestore({ groupResource: 'configmaps', namespace: 'b' }, sel)).toBe(false);
    expect(mayRestore({ groupResource: 'clusterroles.rbac.authorization.k8s.io' }, sel)).toBe(false);
  });

  it('everything with no filter except events; label selectors and resource excludes apply', () => {
    expect(names(selectItems(items, {}))).toHaveLength(7);
    expect(names(selectItems(items, { labelSelector: { matchLabels: { app: 'x' } }, includeClusterResources: false }))).toEqual(['namespaces//a', 'namespaces//b', 'widgets.example.com/a/w']);
    expect(names(selectItems(items, { excludedResources: ['configmaps', 'namespaces'] }))).not.toContain('configmaps/a/c');
  });

  it('maps namespaces of items, Namespace objects, and creates missing target namespaces', () => {
    const ns: RestoreItem = { groupResource: 'namespaces', name: 'a', object: obj('v1', 'Namespace', 'a', undefined, { metadata: { name: 'a', labels: { 'kubernetes.io/metadata.name': 'a' } } }) };
    const cm: RestoreItem = { groupResource: 'configmaps', backupNamespace: 'a', namespace: 'a', name: 'c', object: obj('v1', 'ConfigMap', 'c', 'a') };
    const other: RestoreItem = { groupResource: 'configmaps', backupNamespace: 'z', namespace: 'z', name: 'c', object: obj('v1', 'ConfigMap', 'c', 'z') };
    const mapping = { a: 'a2', z: 'z2' };
    for (const i of [ns, cm, other]) mapItemNamespace(i, mapping);
    expect(ns.name).toBe('a2');
    expect(ns.object.metadata).toEqual({ name: 'a2', labels: { 'kubernetes.io/metadata.name': 'a2' } });
    expect([cm.namespace, cm.object.metadata.namespace]).toEqual(['a2', 'a2']);
    expect(missingNamespaces([ns, cm, other]).map((i) => [i.name, i.synthesized])).toEqual([['z2', true]]);
  });
});

describe('spec hash', () => {
  it('ignores key order and undefined members, and changes with the spec', () => {
    const a = restoreSpecHash({ backupName: 'b', namespaceMapping: { x: 'y' }, dryRun: undefined });
    expect(a).toBe(restoreSpecHash({ namespaceMapping: { x: 'y' }, backupName: 'b' }));
    expect(a).not.toBe(restoreSpecHash({ backupName: 'b', namespaceMapping: { x: 'z' } }));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });
});
