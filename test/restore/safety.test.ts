// Integrity refusal, modifiers, priority order, the pre-restore safety backup, and failures.
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { CM, NS, cm, ns, startHarness, location, type Harness } from './harness.ts';
import type { KubeObject } from '../../src/cluster/types.ts';
import { readAll } from '../../src/storage/json-io.ts';
import { layout } from '../../src/storage/layout.ts';
import type { IndexEntry } from '../../src/storage/types.ts';
import { freshBucket } from '../support/s3.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function rewrite(h: Harness, key: string, change: (b: Buffer) => Buffer): Promise<void> {
  const bytes = await readAll(await h.store.objects.get(key));
  await h.store.objects.put(key, change(bytes));
}

describe('integrity', () => {
  it('refuses a backup whose archive was tampered with, before any write', async () => {
    h = await startHarness({ objects: [ns('team-a'), cm('team-a', 'settings', { a: '1' })] });
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    await h.client.delete(NS, undefined, 'team-a');
    await rewrite(h, layout.resources('apps-1', false), (b) => {
      const copy = Buffer.from(b);
      copy[Math.floor(copy.length / 2)] ^= 0xff;
      return copy;
    });
    h.sim.resetStats();
    const result = await h.restore('r', { backupName: 'apps-1' });
    expect(h.sim.stats.writes).toBe(0);
    expect(result.phase).toBe('FailedValidation');
    expect(result.errors[0]).toMatch(/failed verification.*nothing was written/);
    expect(await h.get(NS, undefined, 'team-a')).toBeUndefined();
  });

  it('refuses an item whose checksum does not match index.json.gz', async () => {
    h = await startHarness({ objects: [ns('team-a'), cm('team-a', 'settings', { a: '1' }), cm('team-a', 'other', { b: '2' })] });
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    await rewrite(h, layout.index('apps-1'), (b) => {
      const rows = JSON.parse(gunzipSync(b).toString('utf8')) as IndexEntry[];
      const row = rows.find((r) => r.name === 'other')!;
      row.sha256 = '0'.repeat(64);
      return gzipSync(Buffer.from(JSON.stringify(rows)));
    });
    await h.client.delete(NS, undefined, 'team-a');
    h.sim.resetStats();
    const result = await h.restore('r', { backupName: 'apps-1', includedResources: ['configmaps'] });
    expect(h.sim.stats.writes).toBe(0);
    expect(result.phase).toBe('FailedValidation');
    expect(result.errors[0]).toMatch(/item resources\/configmaps\/namespaces\/team-a\/other\.json does not match its checksum/);
  });
});

const crd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'releases.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'releases', singular: 'release', kind: 'Release', listKind: 'ReleaseList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};
const release = (name: string, version: string): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Release', metadata: { name, namespace: 'team-a' }, spec: { release: version } });
const RELEASES = { group: 'example.com', version: 'v1', resource: 'releases', namespaced: true };

describe('resource modifiers', () => {
  it('applies a JSON patch replace of /spec/release; a failing patch fails only its item (PartiallyFailed)', async () => {
    h = await startHarness({ objects: [crd, ns('team-a'), release('kcm', 'kcm-1-0-0'), cm('team-a', 'settings', { a: '1' }), cm('team-a', 'plain', { b: '2' })] });
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    await h.client.delete(NS, undefined, 'team-a');
    const result = await h.restore(
      'r',
      { backupName: 'apps-1', resourceModifier: 'patch-release' },
      {
        version: 'v1',
        resourceModifierRules: [
          { conditions: { groupResource: 'releases.example.com', namespaces: ['team-a'] }, patches: [{ operation: 'replace', path: '/spec/release', value: 'kcm-1-1-0' }] },
          { conditions: { groupResource: 'configmaps', resourceNameRegex: '^settings$' }, patches: [{ operation: 'replace', path: '/data/missing', value: 'x' }] },
        ],
      },
    );
    expect(result.phase).toBe('PartiallyFailed');
    expect((await h.get(RELEASES, 'team-a', 'kcm'))?.spec).toEqual({ release: 'kcm-1-1-0' });
    expect(result.items.find((i) => i.name === 'kcm')).toMatchObject({ action: 'created', modifiers: [0] });
    const failed = result.items.find((i) => i.name === 'settings');
    expect(failed?.action).toBe('failed');
    expect(failed?.error).toMatch(/resource modifier rule 1/);
    expect(await h.get(CM, 'team-a', 'settings')).toBeUndefined();
    expect((await h.get(CM, 'team-a', 'plain'))?.data).toEqual({ b: '2' });
    expect(result.counts).toMatchObject({ failed: 1 });
  });

  it('a rule that does not compile fails validation before anything is written', async () => {
    h = await startHarness({ objects: [ns('team-a'), cm('team-a', 'settings', { a: '1' })] });
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    h.sim.resetStats();
    const result = await h.restore('r', { backupName: 'apps-1', resourceModifier: 'bad' }, {
      version: 'v1',
      resourceModifierRules: [{ conditions: { groupResource: 'configmaps', resourceNameRegex: '(' }, patches: [{ operation: 'remove', path: '/data' }] }],
    });
    expect(result.phase).toBe('FailedValidation');
    expect(result.errors[0]).toMatch(/ResourceModifiers bad cannot be used: rule 0/);
    expect(h.sim.stats.writes).toBe(0);
  });
});

describe('priority order', () => {
  it('creates in Velero order: namespaces, serviceaccounts, secrets, configmaps, services, then the rest', async () => {
    h = await startHarness({
      objects: [
        ns('team-a'),
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'team-a' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'team-a' }, spec: { ports: [{ port: 80 }] } },
        cm('team-a', 'settings', { a: '1' }),
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'team-a' }, data: { p: 'eA==' } },
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'runner', namespace: 'team-a' } },
      ],
    });
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    await h.client.delete(NS, undefined, 'team-a');
    const result = await h.restore('r', { backupName: 'apps-1' });
    expect(result.phase).toBe('Completed');
    // The server's resourceVersions record the order the objects were created in.
    const rv = async (ref: { group: string; version: string; resource: string; namespaced: boolean }, nsName: string | undefined, name: string) =>
      Number((await h!.client.get(ref, nsName, name))?.metadata.resourceVersion);
    const order = [
      ['namespaces', await rv(NS, undefined, 'team-a')],
      ['serviceaccounts', await rv({ group: '', version: 'v1', resource: 'serviceaccounts', namespaced: true }, 'team-a', 'runner')],
      ['secrets', await rv({ group: '', version: 'v1', resource: 'secrets', namespaced: true }, 'team-a', 'creds')],
      ['configmaps', await rv(CM, 'team-a', 'settings')],
      ['services', await rv({ group: '', version: 'v1', resource: 'services', namespaced: true }, 'team-a', 'web')],
      ['deployments.apps', await rv({ group: 'apps', version: 'v1', resource: 'deployments', namespaced: true }, 'team-a', 'web')],
    ] as const;
    const sorted = [...order].sort((a, b) => a[1] - b[1]).map((o) => o[0]);
    expect(sorted).toEqual(['namespaces', 'serviceaccounts', 'secrets', 'configmaps', 'services', 'deployments.apps']);
  });
});

describe('pre-restore safety backup', () => {
  it('is taken before applying and restoring from it undoes the restore', async () => {
    h = await startHarness({ objects: [ns('team-a'), cm('team-a', 'settings', { color: 'blue' })] });
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    await h.client.patch(CM, 'team-a', 'settings', { data: { color: 'red' } }, 'merge');

    const result = await h.restore('rollback', { backupName: 'apps-1', existingResourcePolicy: 'update' });
    expect(result.phase).toBe('Completed');
    expect(result.preRestoreBackup).toMatch(/^rollback-pre-\d{14}$/);
    expect((await h.get(CM, 'team-a', 'settings'))?.data).toEqual({ color: 'blue' });
    const safety = await h.store.readManifest(result.preRestoreBackup!);
    expect(safety).toMatchObject({ phase: 'Completed', preRestoreFor: 'rollback' });
    expect(safety.itemCounts).toMatchObject({ configmaps: 1, namespaces: 1 });

    const undo = await h.restore('undo', { backupName: result.preRestoreBackup, existingResourcePolicy: 'update', preRestoreBackup: false });
    expect(undo.phase).toBe('Completed');
    expect((await h.get(CM, 'team-a', 'settings'))?.data).toEqual({ color: 'red' });
    // A safety backup never stands in for the policy's latest backup.
    const byPolicy = await h.restore('latest', { policy: 'apps', dryRun: true });
    expect(byPolicy.backup).toBe('apps-1');
  });

  it('an unreachable cluster fails the restore without touching storage beyond the result', async () => {
    h = await startHarness({ objects: [ns('team-a'), cm('team-a', 'settings', { a: '1' })] });
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    await h.sim.stop();
    const result = await h.restore('r', { backupName: 'apps-1' });
    expect(result.phase).toBe('Failed');
    expect(result.errors[0]).toMatch(/cannot reach cluster sim/);
    expect(result.preRestoreBackup).toBeUndefined();
    const inventory = await h.store.listInventory();
    expect(inventory.backups.map((b) => b.name)).toEqual(['apps-1']);
    h.sim.stop = async () => undefined;
  });
});

describe('S3 location with encryption', () => {
  it('round-trips through radosgw and the encrypted archive', async () => {
    const { bucket, conn } = await freshBucket('cairn-restore');
    const env = { S3_KEY: conn.accessKey, S3_SECRET: conn.secretKey, PASS: 'correct horse battery staple' };
    h = await startHarness({
      objects: [ns('team-a'), cm('team-a', 'settings', { a: '1' })],
      env,
      location: location({
        provider: 's3',
        s3: { endpoint: conn.endpoint, bucket, region: conn.region, forcePathStyle: true, credentials: { accessKeyIdFromEnv: 'S3_KEY', secretAccessKeyFromEnv: 'S3_SECRET' } },
        encryption: { passphraseFromEnv: 'PASS' },
      }),
    });
    const manifest = await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    expect(manifest.encryption?.algorithm).toBe('AES-256-GCM');
    await h.client.delete(NS, undefined, 'team-a');
    const result = await h.restore('r', { backupName: 'apps-1' });
    expect(result.phase).toBe('Completed');
    expect((await h.get(CM, 'team-a', 'settings'))?.data).toEqual({ a: '1' });
    expect((await h.store.readRestoreResult<{ backup: string }>('r'))?.backup).toBe('apps-1');
  });
});
