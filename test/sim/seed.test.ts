import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { harness, type Harness } from './helpers.ts';
import { loadSeed, startSimulator, SeedError } from '../../src/sim/index.ts';

const SAMPLES = resolve(import.meta.dirname, '../../samples/cluster');

let h: Harness;
beforeAll(async () => {
  h = await harness({ seedDir: SAMPLES });
});
afterAll(async () => {
  await h.sim.stop();
});

describe('the samples/cluster seed', () => {
  it('loads every document of the sample directory', async () => {
    const objects = await loadSeed(SAMPLES);
    expect(objects.length).toBeGreaterThan(40);
    expect(objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name).sort()).toEqual([
      'clusterdeployments.k0rdent.mirantis.com',
      'clusters.cluster.x-k8s.io',
      'managements.k0rdent.mirantis.com',
    ]);
  });

  it('creates the k0rdent namespaces next to default and kube-system', async () => {
    const names = (await h.core.listNamespace()).items.map((n) => n.metadata!.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'kcm-system', 'projectsveltos', 'cert-manager', 'team-a', 'team-b']));
  });

  it('serves the Management kcm with spec.release kcm-1-1-0, cluster-scoped', async () => {
    const mgmt: any = await h.custom.getClusterCustomObject({ group: 'k0rdent.mirantis.com', version: 'v1alpha1', plural: 'managements', name: 'kcm' });
    expect(mgmt.kind).toBe('Management');
    expect(mgmt.spec.release).toBe('kcm-1-1-0');
    const crd = await h.ext.readCustomResourceDefinition({ name: 'managements.k0rdent.mirantis.com' });
    expect(crd.status!.conditions!.find((c) => c.type === 'Established')!.status).toBe('True');
    const cds: any = await h.custom.listCustomObjectForAllNamespaces({ group: 'k0rdent.mirantis.com', version: 'v1alpha1', plural: 'clusterdeployments' });
    expect(cds.items.map((c: any) => c.metadata.namespace).sort()).toEqual(['team-a', 'team-b']);
    const clusters: any = await h.custom.listNamespacedCustomObject({ group: 'cluster.x-k8s.io', version: 'v1beta1', namespace: 'team-a', plural: 'clusters' });
    expect(clusters.items).toHaveLength(1);
  });

  it('carries the labels the sample policy selects with orLabelSelectors', async () => {
    for (const selector of ['k0rdent.mirantis.com/component=kcm', 'cluster.x-k8s.io/provider=cluster-api', 'controller.cert-manager.io/fao=true']) {
      const deps = await h.apps.listDeploymentForAllNamespaces({ labelSelector: selector });
      expect(deps.items.length, selector).toBeGreaterThan(0);
    }
    const secrets = await h.core.listSecretForAllNamespaces({ labelSelector: 'controller.cert-manager.io/fao=true' });
    expect(secrets.items.map((s) => s.metadata!.name)).toEqual(['cert-manager-webhook-ca']);
  });

  it('has a headless service, a NodePort service, a node and events', async () => {
    const headless = await h.core.readNamespacedService({ namespace: 'projectsveltos', name: 'addon-controller' });
    expect(headless.spec!.clusterIP).toBe('None');
    const np = await h.core.readNamespacedService({ namespace: 'team-b', name: 'blog' });
    expect(np.spec!.ports![0].nodePort).toBeGreaterThanOrEqual(30000);
    expect((await h.core.listNode()).items).toHaveLength(1);
    expect((await h.core.listEventForAllNamespaces()).items).toHaveLength(1);
    expect((await h.raw('GET', '/apis/events.k8s.io/v1/events')).body.items).toHaveLength(1);
  });

  it('names the file of a broken seed, and the object a seed cannot create', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-seed-'));
    try {
      await writeFile(join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: [\n');
      await expect(loadSeed(dir)).rejects.toThrow(/^broken\.yaml:\d+:\d+: /);
      await writeFile(join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: ConfigMap\n');
      await expect(loadSeed(dir)).rejects.toThrow(/broken\.yaml: document 1 is not a Kubernetes object/);
      await writeFile(join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: missing}\n');
      const err = await startSimulator({ seedDir: dir }).catch((e) => e);
      expect(err).toBeInstanceOf(SeedError);
      expect(err.message).toBe('ConfigMap missing/c: namespaces "missing" not found');
      await writeFile(join(dir, 'broken.yaml'), 'apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: t}\n');
      await expect(startSimulator({ seedDir: dir })).rejects.toThrow(/serves no Thing in example.com\/v1/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('seed errors', () => {
  it('names a missing seed directory', async () => {
    await expect(loadSeed('/nonexistent/cairn-seed')).rejects.toThrow('/nonexistent/cairn-seed: seed directory not found');
  });
});
