// The adapter against the project's API simulator, through an unchanged @kubernetes/client-node
// KubeConfig: discovery, paging, retries, RBAC errors and the write verbs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import { connectCluster, ClusterError, type ClusterClient } from '../../src/cluster/connect.ts';
import type { ApiResource, KubeObject } from '../../src/cluster/types.ts';

const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps', namespaced: true, kind: 'ConfigMap' };
const SECRETS = { group: '', version: 'v1', resource: 'secrets', namespaced: true, kind: 'Secret' };

const widgetCrd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
      { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
    ],
  },
};

function configMaps(n: number, namespace: string): KubeObject[] {
  return Array.from({ length: n }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace }, data: { i: String(i) } }));
}

let sim: Simulator;
let client: ClusterClient;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({
    objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paging' } }, ...configMaps(1234, 'paging'), widgetCrd],
  });
  dir = await mkdtemp(join(tmpdir(), 'cairn-client-'));
  await sim.writeKubeconfig(join(dir, 'kubeconfig'));
  client = await connectCluster({ kubeconfigPath: join(dir, 'kubeconfig'), retry: { baseDelayMs: 10, maxDelayMs: 50 } });
});

afterAll(async () => {
  client?.close();
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('connectCluster', () => {
  it('reports the server URL and version', async () => {
    expect(client.server).toBe(sim.url);
    expect(client.name).toBe('cairn-sim');
    expect(await client.serverVersion()).toMatch(/^v1\.\d+/);
  });

  it('names an unknown context and the ones that exist', async () => {
    const err = await connectCluster({ kubeconfigYaml: sim.kubeconfig(), context: 'prod' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe('cluster.config');
    expect((err as Error).message).toContain('"prod"');
    expect((err as Error).message).toContain('cairn-sim');
  });

  it('says which kubeconfig file is missing', async () => {
    const err = await connectCluster({ kubeconfigPath: join(dir, 'nope') }).catch((e: unknown) => e);
    expect((err as ClusterError).code).toBe('cluster.config');
    expect((err as Error).message).toContain(join(dir, 'nope'));
  });
});

describe('discover', () => {
  let resources: ApiResource[];
  beforeAll(async () => {
    resources = await client.discover();
  });

  it('finds core, group and custom resources at their preferred version', () => {
    const by = (gr: string) => resources.find((r) => r.groupResource === gr);
    expect(by('configmaps')).toMatchObject({ group: '', version: 'v1', kind: 'ConfigMap', namespaced: true });
    expect(by('deployments.apps')).toMatchObject({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(by('namespaces')).toMatchObject({ namespaced: false });
    expect(by('widgets.example.com')).toMatchObject({ version: 'v1', kind: 'Widget', namespaced: true });
  });

  it('skips subresources and resources that cannot be listed', () => {
    expect(resources.length).toBeGreaterThan(10);
    expect(resources.filter((r) => r.resource.includes('/'))).toEqual([]);
    expect(resources.filter((r) => !r.verbs.includes('list'))).toEqual([]);
    expect(new Set(resources.map((r) => r.groupResource)).size).toBe(resources.length);
  });
});

describe('list', () => {
  it('pages with limit + continue and fills in apiVersion and kind', async () => {
    sim.resetStats();
    const names = new Set<string>();
    for await (const obj of client.list(CONFIGMAPS, { namespace: 'paging', limit: 100 })) {
      expect(obj.apiVersion).toBe('v1');
      expect(obj.kind).toBe('ConfigMap');
      names.add(obj.metadata.name);
    }
    expect(names.size).toBe(1234);
    expect(sim.stats.byVerb.list).toBe(13);
  });

  it('pages 500 at a time by default', async () => {
    sim.resetStats();
    let n = 0;
    for await (const _ of client.list(CONFIGMAPS, { namespace: 'paging' })) n++;
    expect(n).toBe(1234);
    expect(sim.stats.byVerb.list).toBe(3);
  });

  it('passes label selectors to the server', async () => {
    await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'labelled', namespace: 'default', labels: { app: 'web' } } });
    const got: string[] = [];
    for await (const obj of client.list(CONFIGMAPS, { labelSelector: 'app=web' })) got.push(obj.metadata.name);
    expect(got).toEqual(['labelled']);
  });

  it('retries 429 honouring Retry-After, then succeeds', async () => {
    sim.resetStats();
    sim.faults.failNext = [{ status: 429, count: 2, groupResource: 'configmaps' }];
    const started = Date.now();
    let n = 0;
    for await (const _ of client.list(CONFIGMAPS, { namespace: 'paging', limit: 1000 })) n++;
    expect(n).toBe(1234);
    expect(sim.stats.byVerb.list).toBe(4); // two throttled attempts, then two pages
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900); // Retry-After: 1, twice
  });

  it('retries 5xx with backoff, and gives up after the bounded attempts', async () => {
    sim.faults.failNext = [{ status: 500, count: 2, groupResource: 'configmaps' }];
    expect(await client.get(CONFIGMAPS, 'paging', 'cm-7')).toMatchObject({ data: { i: '7' } });

    const impatient = await connectCluster({ kubeconfigYaml: sim.kubeconfig(), retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 } });
    sim.faults.failNext = [{ status: 500, count: 10, groupResource: 'configmaps' }];
    const err = await impatient.get(CONFIGMAPS, 'paging', 'cm-7').catch((e: unknown) => e);
    impatient.close();
    expect((err as ClusterError).code).toBe('cluster.unavailable');
    expect((err as Error).message).toContain('configmaps');
    expect((err as Error).message).toContain('gave up after 3 attempts');
    expect(sim.faults.failNext[0].count).toBe(7);
    sim.faults.failNext = [];
  });

  it('turns 403 into cluster.forbidden naming the verb and the resource', async () => {
    sim.faults.forbidden = ['secrets'];
    try {
      const err = await (async () => {
        for await (const _ of client.list(SECRETS, { namespace: 'default' })) void _;
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterError);
      expect((err as ClusterError).code).toBe('cluster.forbidden');
      expect((err as ClusterError).info).toMatchObject({ status: 403, verb: 'list', resource: 'secrets', namespace: 'default' });
      expect((err as Error).message).toMatch(/list secrets.*forbidden \(403\)/);
    } finally {
      sim.faults.forbidden = [];
    }
  });

  it('turns 401 into cluster.unauthorized', async () => {
    sim.faults.unauthorized = true;
    try {
      const err = await client.serverVersion().catch((e: unknown) => e);
      expect((err as ClusterError).code).toBe('cluster.unauthorized');
      expect((err as Error).message).toContain('unauthorized (401)');
    } finally {
      sim.faults.unauthorized = false;
    }
  });
});

describe('object verbs', () => {
  it('get returns undefined for a missing object', async () => {
    expect(await client.get(CONFIGMAPS, 'default', 'missing')).toBeUndefined();
  });

  it('create, replace, merge and JSON patch, delete', async () => {
    const created = await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'verbs', namespace: 'default' }, data: { a: '1' } });
    expect(created.metadata.resourceVersion).toMatch(/^\d+$/);

    const dup = await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'verbs', namespace: 'default' } }).catch((e: unknown) => e);
    expect((dup as ClusterError).code).toBe('cluster.alreadyExists');

    const replaced = await client.replace(CONFIGMAPS, { ...created, data: { a: '2' } });
    expect(replaced.data).toEqual({ a: '2' });
    const stale = await client.replace(CONFIGMAPS, { ...created, data: { a: '3' } }).catch((e: unknown) => e);
    expect((stale as ClusterError).code).toBe('cluster.conflict');

    const merged = await client.patch(CONFIGMAPS, 'default', 'verbs', { data: { b: 'x' } }, 'merge');
    expect(merged.data).toEqual({ a: '2', b: 'x' });
    const patched = await client.patch(CONFIGMAPS, 'default', 'verbs', [{ op: 'remove', path: '/data/a' }], 'json');
    expect(patched.data).toEqual({ b: 'x' });

    expect(await client.delete(CONFIGMAPS, 'default', 'verbs')).toBe(true);
    expect(await client.delete(CONFIGMAPS, 'default', 'verbs')).toBe(false);
    expect(await client.get(CONFIGMAPS, 'default', 'verbs')).toBeUndefined();
  });

  it('reports a 422 with the server message', async () => {
    const err = await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_Valid', namespace: 'default' } }).catch((e: unknown) => e);
    expect((err as ClusterError).code).toBe('cluster.invalid');
    expect((err as Error).message).toContain('Not_Valid');
  });
});

describe('discovery: aggregated and classic', () => {
  it('finds the same resources with two requests as with one per group version on an older server', async () => {
    const seed: KubeObject[] = [widgetCrd];
    const current = await startSimulator({ objects: seed, crdEstablishDelayMs: 0 });
    const older = await startSimulator({ objects: seed, crdEstablishDelayMs: 0, legacyDiscovery: true });
    try {
      const a = await connectCluster({ kubeconfigYaml: current.kubeconfig() });
      const b = await connectCluster({ kubeconfigYaml: older.kubeconfig() });
      current.resetStats();
      older.resetStats();
      const viaAggregated = await a.discovery();
      const viaClassic = await b.discovery();
      expect(current.stats.byVerb.discovery).toBe(2);
      expect(older.stats.byVerb.discovery).toBeGreaterThan(10);
      expect(viaAggregated.failed).toEqual([]);
      expect(viaAggregated.resources).toEqual(viaClassic.resources);
      // The custom resource at its preferred (storage) version, subresources left out.
      expect(viaAggregated.resources.find((r) => r.groupResource === 'widgets.example.com')).toMatchObject({ version: 'v1', kind: 'Widget', namespaced: true });
      expect(viaAggregated.resources.some((r) => r.resource.includes('/'))).toBe(false);
      a.close();
      b.close();
    } finally {
      await current.stop();
      await older.stop();
    }
  });
});
