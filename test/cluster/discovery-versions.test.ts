// Issue 13 items 1 and 2: discovery finds every served group-resource, each in its preferred
// version or else the newest that serves it, and a resource served through two groups is
// archived and restored once, under its canonical group. Both discovery paths (aggregated and
// classic) run against the simulator.
import { afterEach, describe, expect, it } from 'vitest';
import { connectCluster } from '../../src/cluster/connect.ts';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import type { KubeObject } from '../../src/cluster/types.ts';
import { compareKubeVersions } from '../../src/cluster/discovery.ts';
import { ns, startHarness, type Harness } from '../restore/harness.ts';

let h: Harness | undefined;
let sim: Simulator | undefined;
afterEach(async () => {
  await h?.close();
  await sim?.stop();
  h = undefined;
  sim = undefined;
});

const schema = { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
// The shape of networking.istio.io: one CRD served in v1 (and v1alpha1), another only in v1alpha1.
const gateways: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gateways.mesh.example.com' },
  spec: {
    group: 'mesh.example.com',
    scope: 'Namespaced',
    names: { plural: 'gateways', singular: 'gateway', kind: 'Gateway', listKind: 'GatewayList' },
    versions: [
      { name: 'v1alpha1', served: true, storage: false, schema },
      { name: 'v1', served: true, storage: true, schema },
    ],
  },
};
const filters: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'envoyfilters.mesh.example.com' },
  spec: {
    group: 'mesh.example.com',
    scope: 'Namespaced',
    names: { plural: 'envoyfilters', singular: 'envoyfilter', kind: 'EnvoyFilter', listKind: 'EnvoyFilterList' },
    versions: [
      { name: 'v1alpha1', served: true, storage: true, schema },
      { name: 'v1beta2', served: false, storage: false, schema },
    ],
  },
};
const gw: KubeObject = { apiVersion: 'mesh.example.com/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'team-a' }, spec: { port: 80 } };
const filter: KubeObject = { apiVersion: 'mesh.example.com/v1alpha1', kind: 'EnvoyFilter', metadata: { name: 'f', namespace: 'team-a' }, spec: { patch: 'x' } };

describe('Kubernetes version priority', () => {
  it('orders GA, beta, alpha, then other names', () => {
    const versions = ['v1alpha1', 'v2beta1', 'foo', 'v1', 'v1beta2', 'v2', 'v1beta1', 'v11alpha2', 'bar'];
    expect([...versions].sort(compareKubeVersions)).toEqual(['v2', 'v1', 'v2beta1', 'v1beta2', 'v1beta1', 'v11alpha2', 'v1alpha1', 'bar', 'foo']);
  });
});

describe.each([
  ['aggregated discovery', false],
  ['classic discovery (before 1.26)', true],
])('every served resource, %s', (_label, legacyDiscovery) => {
  it('finds a resource its group serves only in an older version, and says which', async () => {
    sim = await startSimulator({ objects: [gateways, filters], legacyDiscovery });
    const client = await connectCluster({ kubeconfigYaml: sim.kubeconfig() });
    try {
      // The simulator prefers v1, the newest version any CRD of the group serves, as apiextensions does.
      const group = (await (await fetch(`${sim.url}/apis/mesh.example.com`)).json()) as { preferredVersion: { version: string } };
      expect(group.preferredVersion.version).toBe('v1');
      const { resources } = await client.discovery();
      const byGr = new Map(resources.map((r) => [r.groupResource, r]));
      expect(byGr.get('gateways.mesh.example.com')).toMatchObject({ version: 'v1', preferredVersion: true, servedVersions: ['v1', 'v1alpha1'] });
      expect(byGr.get('envoyfilters.mesh.example.com')).toMatchObject({ version: 'v1alpha1', preferredVersion: false, servedVersions: ['v1alpha1'], kind: 'EnvoyFilter' });
      // Each group-resource once.
      expect(resources.filter((r) => r.groupResource === 'gateways.mesh.example.com')).toHaveLength(1);
    } finally {
      client.close();
    }
  });
});

describe('backup of a resource outside the preferred version', () => {
  it('archives it and logs the version each resource was read in', async () => {
    h = await startHarness({ objects: [gateways, filters, ns('team-a'), gw, filter] });
    const manifest = await h.backup('b1', { includedNamespaces: ['team-a'] });
    expect(manifest.phase).toBe('Completed');
    expect(manifest.itemCounts['envoyfilters.mesh.example.com']).toBe(1);
    expect(manifest.itemCounts['gateways.mesh.example.com']).toBe(1);
    const log = (await h.store.readLog('b1')) as { msg?: string; resource?: string; apiVersion?: string; preferredVersion?: boolean }[];
    const read = log.filter((l) => l.msg === 'resource backed up');
    expect(read.find((l) => l.resource === 'envoyfilters.mesh.example.com')).toMatchObject({ apiVersion: 'mesh.example.com/v1alpha1', preferredVersion: false });
    expect(read.find((l) => l.resource === 'gateways.mesh.example.com')).toMatchObject({ apiVersion: 'mesh.example.com/v1' });
  });
});

describe('one object served through two groups', () => {
  const ingress: KubeObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'team-a' },
    spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
  };
  const INGRESS = { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses', namespaced: true };
  const LEGACY = { group: 'extensions', version: 'v1beta1', resource: 'ingresses', namespaced: true };
  const NS = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };

  it('is archived once under its canonical group and restored once', async () => {
    h = await startHarness({ objects: [ns('team-a'), ingress], sim: { cohabitingGroups: true } });
    // The simulator serves the one object through both groups, as 1.19-1.21 do.
    expect((await h.client.get(LEGACY, 'team-a', 'web'))?.apiVersion).toBe('extensions/v1beta1');
    const { resources, aliases } = await h.client.discovery();
    expect(resources.some((r) => r.groupResource === 'ingresses.extensions')).toBe(false);
    expect(aliases).toEqual([
      { groupResource: 'events', canonical: 'events.events.k8s.io' },
      { groupResource: 'ingresses.extensions', canonical: 'ingresses.networking.k8s.io' },
    ]);

    const manifest = await h.backup('b1', { includedNamespaces: ['team-a'] });
    expect(manifest.itemCounts).toMatchObject({ 'ingresses.networking.k8s.io': 1 });
    expect(manifest.itemCounts['ingresses.extensions']).toBeUndefined();
    expect(manifest.totalItems).toBe(2); // the namespace and the ingress

    await h.client.delete(NS, undefined, 'team-a');
    const result = await h.restore('r1', { backupName: 'b1' });
    expect(result.phase).toBe('Completed');
    expect(result.items.filter((i) => i.name === 'web').map((i) => [i.groupResource, i.action])).toEqual([['ingresses.networking.k8s.io', 'created']]);
    expect((await h.client.get(INGRESS, 'team-a', 'web'))?.spec).toEqual(ingress.spec);
  });
});

describe('restore of a backup holding one object under two groups', () => {
  it('selects it once, from the canonical group', async () => {
    const { selectItems } = await import('../../src/restore/filter.ts');
    const obj = (apiVersion: string): KubeObject => ({ apiVersion, kind: 'Ingress', metadata: { name: 'web', namespace: 'team-a' } });
    const items = [
      { groupResource: 'ingresses.extensions', namespace: 'team-a', name: 'web', object: obj('extensions/v1beta1') },
      { groupResource: 'ingresses.networking.k8s.io', namespace: 'team-a', name: 'web', object: obj('networking.k8s.io/v1') },
      { groupResource: 'ingresses.extensions', namespace: 'team-a', name: 'only-legacy', object: obj('extensions/v1beta1') },
    ];
    expect(selectItems(items, {}).map((i) => `${i.groupResource}/${i.name}`)).toEqual(['ingresses.networking.k8s.io/web', 'ingresses.extensions/only-legacy']);
  });
});
