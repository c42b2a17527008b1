// Restores end to end: the real simulator behind @kubernetes/client-node, real backups written
// by runBackup to a real location (filesystem temp dirs; S3 on radosgw), then runRestore.
import { afterEach, describe, expect, it } from 'vitest';
import { CM, DEPLOY, NS, SVC, cm, ns, startHarness, userView, type Harness } from './harness.ts';
import type { KubeObject } from '../../src/cluster/types.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const deployment = (namespace: string, name: string, replicas: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
  },
});
const service = (namespace: string, name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { selector: { app: name }, ports: [{ port: 80 }] },
});

describe('round trip', () => {
  it('backup → delete the namespace → restore brings the objects back equal modulo server fields', async () => {
    h = await startHarness({
      objects: [ns('team-a', { tier: 'web' }), cm('team-a', 'settings', { color: 'blue' }, { app: 'web' }), deployment('team-a', 'web', 3), service('team-a', 'web'), ns('other'), cm('other', 'x', { a: '1' })],
    });
    const before = {
      settings: userView(await h.get(CM, 'team-a', 'settings')),
      web: userView(await h.get(DEPLOY, 'team-a', 'web')),
      ns: (await h.get(NS, undefined, 'team-a'))?.metadata.labels,
    };
    const svcBefore = await h.get(SVC, 'team-a', 'web');
    const manifest = await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    expect(manifest.phase).toBe('Completed');
    await h.client.delete(NS, undefined, 'team-a');
    expect(await h.get(CM, 'team-a', 'settings')).toBeUndefined();

    const result = await h.restore('r1', { backupName: 'apps-1' });
    expect(result.phase).toBe('Completed');
    expect(result.backup).toBe('apps-1');
    expect(result.counts.failed).toBe(0);
    expect(userView(await h.get(CM, 'team-a', 'settings'))).toEqual(before.settings);
    expect(userView(await h.get(DEPLOY, 'team-a', 'web'))).toEqual(before.web);
    expect((await h.get(NS, undefined, 'team-a'))?.metadata.labels).toEqual(before.ns);
    const svc = await h.get(SVC, 'team-a', 'web');
    expect((svc?.spec as { ports: unknown }).ports).toEqual((svcBefore?.spec as { ports: unknown }).ports);
    // The other namespace was not in the backup and is untouched.
    expect(await h.get(CM, 'other', 'x')).toBeDefined();

    const stored = await h.store.readRestoreResult<typeof result>('r1');
    expect(stored?.phase).toBe('Completed');
    expect(stored?.items.find((i) => i.groupResource === 'configmaps' && i.name === 'settings')?.action).toBe('created');
    expect(stored?.specHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('resource names resolve through the target cluster like kubectl (Velero): excludedResources [deploy] leaves the Deployment out', async () => {
    h = await startHarness({ objects: [ns('team-a'), cm('team-a', 'settings', { color: 'blue' }), deployment('team-a', 'web', 1)] });
    expect((await h.backup('names-1', { includedNamespaces: ['team-a'] })).phase).toBe('Completed');
    await h.client.delete(NS, undefined, 'team-a');
    const result = await h.restore('r-names', { backupName: 'names-1', excludedResources: ['deploy'], includedResources: ['ConfigMap', 'ns', 'nothing-here'] });
    expect(result.counts.failed).toBe(0);
    expect(await h.get(CM, 'team-a', 'settings')).toBeDefined();
    expect(await h.get(DEPLOY, 'team-a', 'web')).toBeUndefined();
    expect(result.warnings.some((w) => w.includes('"nothing-here"'))).toBe(true);
  });

  it('resolves a policy to its latest Completed backup, and policy + at to the newest at or before', async () => {
    h = await startHarness({ objects: [ns('team-a'), cm('team-a', 'v', { n: '1' })] });
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    const cut = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1100));
    await h.client.patch(CM, 'team-a', 'v', { data: { n: '2' } }, 'merge');
    await h.backup('apps-2', { includedNamespaces: ['team-a'] });

    const latest = await h.restore('dry-latest', { policy: 'apps', dryRun: true, existingResourcePolicy: 'update' });
    expect(latest.backup).toBe('apps-2');
    const older = await h.restore('dry-at', { policy: 'apps', at: cut, dryRun: true, existingResourcePolicy: 'update' });
    expect(older.backup).toBe('apps-1');
    expect(older.items.find((i) => i.name === 'v')?.action).toBe('update');

    const missing = await h.restore('nope', { backupName: 'apps-9' });
    expect(missing.phase).toBe('FailedValidation');
    expect(missing.errors[0]).toMatch(/backup apps-9 not found in location primary/);
    const early = await h.restore('too-early', { policy: 'apps', at: '2000-01-01T00:00:00Z' });
    expect(early.phase).toBe('FailedValidation');
    expect(early.errors[0]).toMatch(/policy apps has no Completed backup completed at or before 2000-01-01/);
  });
});

describe('namespace mapping', () => {
  it('creates the new namespace and lands the objects there, leaving the original alone', async () => {
    h = await startHarness({ objects: [ns('team-a'), cm('team-a', 'settings', { color: 'blue' })] });
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    await h.client.patch(CM, 'team-a', 'settings', { data: { color: 'red' } }, 'merge');

    const result = await h.restore('copy', { backupName: 'apps-1', namespaceMapping: { 'team-a': 'team-a-restored' } });
    expect(result.phase).toBe('Completed');
    const nsObj = await h.get(NS, undefined, 'team-a-restored');
    expect(nsObj?.metadata.labels?.['kubernetes.io/metadata.name']).toBe('team-a-restored');
    expect((await h.get(CM, 'team-a-restored', 'settings'))?.data).toEqual({ color: 'blue' });
    expect((await h.get(CM, 'team-a', 'settings'))?.data).toEqual({ color: 'red' });
    const item = result.items.find((i) => i.groupResource === 'configmaps');
    expect(item).toMatchObject({ namespace: 'team-a-restored', backupNamespace: 'team-a', action: 'created' });
  });
});

describe('custom resources', () => {
  const crd: KubeObject = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
  const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'team-a' }, spec: { size: 3 } };
  const CRD = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', namespaced: false };
  const WIDGETS = { group: 'example.com', version: 'v1', resource: 'widgets', namespaced: true };

  it('restores a CRD and its custom resource in one restore, waiting for Established', async () => {
    h = await startHarness({ objects: [crd, ns('team-a'), widget] });
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    await h.client.delete(CRD, undefined, 'widgets.example.com');
    await h.client.delete(NS, undefined, 'team-a');
    expect((await h.client.discover()).some((r) => r.groupResource === 'widgets.example.com')).toBe(false);

    const result = await h.restore('r', { backupName: 'apps-1' });
    expect(result.phase).toBe('Completed');
    expect(result.items.map((i) => `${i.groupResource}/${i.name}:${i.action}`)).toEqual([
      'customresourcedefinitions.apiextensions.k8s.io/widgets.example.com:created',
      'namespaces/team-a:created',
      'widgets.example.com/w1:created',
    ]);
    expect((await h.get(WIDGETS, 'team-a', 'w1'))?.spec).toEqual({ size: 3 });
  });
});

describe('existing objects', () => {
  it('none skips and reports whether the object differs; update patches it to the backup state', async () => {
    h = await startHarness({ objects: [ns('team-a'), cm('team-a', 'same', { a: '1' }), cm('team-a', 'changed', { a: '1' }, { keep: 'me' })] });
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    await h.client.patch(CM, 'team-a', 'changed', { data: { a: '2', extra: 'x' }, metadata: { labels: { added: 'yes' } } }, 'merge');

    const none = await h.restore('r-none', { backupName: 'apps-1', preRestoreBackup: false });
    expect(none.phase).toBe('Completed');
    const byName = (r: typeof none, n: string) => r.items.find((i) => i.groupResource === 'configmaps' && i.name === n);
    expect(byName(none, 'same')).toMatchObject({ action: 'skipped', differs: false });
    expect(byName(none, 'changed')).toMatchObject({ action: 'skipped', differs: true });
    expect((await h.get(CM, 'team-a', 'changed'))?.data).toEqual({ a: '2', extra: 'x' });

    const update = await h.restore('r-update', { backupName: 'apps-1', existingResourcePolicy: 'update', preRestoreBackup: false });
    expect(update.phase).toBe('Completed');
    expect(byName(update, 'same')).toMatchObject({ action: 'unchanged' });
    expect(byName(update, 'changed')).toMatchObject({ action: 'updated', differs: true });
    const live = await h.get(CM, 'team-a', 'changed');
    expect(live?.data).toEqual({ a: '1' });
    expect(live?.metadata.labels).toEqual({ keep: 'me' });
  });
});

describe('dry run', () => {
  it('writes nothing and reports create / update with a field diff / unchanged', async () => {
    h = await startHarness({ objects: [ns('team-a'), cm('team-a', 'same', { a: '1' }), cm('team-a', 'changed', { a: '1', b: 'x' }), cm('team-a', 'gone', { a: '1' })] });
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    await h.client.patch(CM, 'team-a', 'changed', { data: { a: '2', b: null } }, 'merge');
    await h.client.delete(CM, 'team-a', 'gone');
    h.sim.resetStats();

    const result = await h.restore('dry', { backupName: 'apps-1', dryRun: true, existingResourcePolicy: 'update' });
    expect(h.sim.stats.writes).toBe(0);
    expect(result.phase).toBe('Completed');
    expect(result.dryRun).toBe(true);
    expect(result.preRestoreBackup).toBeUndefined();
    const byName = (n: string) => result.items.find((i) => i.groupResource === 'configmaps' && i.name === n);
    expect(byName('gone')?.action).toBe('create');
    expect(byName('same')?.action).toBe('unchanged');
    expect(byName('changed')).toMatchObject({
      action: 'update',
      diff: [
        { path: '/data/a', op: 'replace', old: '2', new: '1' },
        { path: '/data/b', op: 'add', new: 'x' },
      ],
    });
    expect(result.items.find((i) => i.groupResource === 'namespaces')?.action).toBe('unchanged');
    expect(await h.get(CM, 'team-a', 'gone')).toBeUndefined();
    // The dry run's result is stored, like any restore's.
    expect((await h.store.readRestoreResult<{ dryRun: boolean }>('dry'))?.dryRun).toBe(true);
  });
});
