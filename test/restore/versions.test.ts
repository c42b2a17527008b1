// Issue 13 item 8: the version guard. A backup in a newer format than the engine reads is
// refused by verify and restore (naming both versions) and flagged by describe; a restore into
// another Kubernetes version says so; an object whose group-version the target no longer serves
// fails alone, naming the versions it does serve.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.ts';
import { describeFormat, unsupportedFormat } from '../../src/storage/format.ts';
import { FORMAT_VERSION } from '../../src/storage/layout.ts';
import { cm, location, NS, ns, startHarness, type Harness } from './harness.ts';

let h: Harness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  h = undefined;
  dir = undefined;
});

async function withStore(objects: KubeObject[]): Promise<{ h: Harness; manifestFile: (name: string) => string }> {
  dir = await mkdtemp(join(tmpdir(), 'cairn-versions-'));
  const root = dir;
  h = await startHarness({ objects, location: location({ provider: 'filesystem', filesystem: { path: root } }) });
  return { h, manifestFile: (name) => join(root, 'backups', name, 'manifest.json') };
}

async function editManifest(file: string, edit: (m: Record<string, any>) => void): Promise<void> {
  const m = JSON.parse(await readFile(file, 'utf8'));
  edit(m);
  await writeFile(file, JSON.stringify(m, null, 2));
}

describe('backup format guard', () => {
  it('verify and restore refuse a backup in a newer format, naming both versions; describe shows it', async () => {
    const { h, manifestFile } = await withStore([ns('team-a'), cm('team-a', 'c', { a: '1' })]);
    await h.backup('b1', { includedNamespaces: ['team-a'] });
    expect((await h.store.verify('b1')).ok).toBe(true);
    await editManifest(manifestFile('b1'), (m) => (m.formatVersion = FORMAT_VERSION + 1));

    const verify = await h.store.verify('b1');
    expect(verify.ok).toBe(false);
    expect(verify.problems[0].message).toContain(`is in format ${FORMAT_VERSION + 1}`);
    expect(verify.problems[0].message).toContain(`this engine reads format ${FORMAT_VERSION} at most`);

    await h.client.delete(NS, undefined, 'team-a');
    const result = await h.restore('r1', { backupName: 'b1' });
    expect(result.phase).toBe('FailedValidation');
    expect(result.errors.join('\n')).toContain(`is in format ${FORMAT_VERSION + 1}`);
    expect(await h.get(NS, undefined, 'team-a')).toBeUndefined();

    expect(describeFormat({ formatVersion: FORMAT_VERSION + 1 })).toContain('newer than this engine');
    expect(unsupportedFormat({ name: 'x', formatVersion: FORMAT_VERSION, engineVersion: '0.1.0' })).toBeUndefined();
  });

  it('a restore into another Kubernetes version says so in its result', async () => {
    const { h, manifestFile } = await withStore([ns('team-a'), cm('team-a', 'c', { a: '1' })]);
    await h.backup('b1', { includedNamespaces: ['team-a'] });
    await editManifest(manifestFile('b1'), (m) => (m.cluster.serverVersion = 'v1.20.15'));
    await h.client.delete(NS, undefined, 'team-a');
    const result = await h.restore('r1', { backupName: 'b1' });
    expect(result.phase).toBe('Completed');
    expect(result.warnings.join('\n')).toContain('taken from Kubernetes v1.20.15 and is restored into v1.31.0');

    const same = await h.restore('r2', { backupName: 'b1', dryRun: true });
    await editManifest(manifestFile('b1'), (m) => (m.cluster.serverVersion = 'v1.31.4'));
    const patchLevel = await h.restore('r3', { backupName: 'b1', dryRun: true });
    expect(same.warnings.join('\n')).toContain('v1.20.15');
    expect(patchLevel.warnings.join('\n')).not.toContain('taken from Kubernetes');
  });
});

describe('an object in a group-version the target no longer serves', () => {
  const crd = (versions: { name: string; served: boolean; storage: boolean }[]): KubeObject => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: versions.map((v) => ({ ...v, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } })),
    },
  });
  const CRD = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', namespaced: false };

  it('fails that item alone, naming the versions the target serves', async () => {
    h = await startHarness({ objects: [crd([{ name: 'v1', served: true, storage: true }]), ns('team-a'), cm('team-a', 'c', { a: '1' }), { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'team-a' }, spec: { size: 1 } }] });
    await h.backup('b1', { includedNamespaces: ['team-a'] });
    await h.client.delete(NS, undefined, 'team-a');
    // The target moved on: v2 is served, v1 no longer.
    const live = (await h.get(CRD, undefined, 'widgets.example.com'))!;
    await h.client.replace(CRD, { ...crd([{ name: 'v1', served: false, storage: false }, { name: 'v2', served: true, storage: true }]), metadata: live.metadata });
    await new Promise((r) => setTimeout(r, 300));

    const result = await h.restore('r1', { backupName: 'b1', excludedResources: ['customresourcedefinitions.apiextensions.k8s.io'] });
    expect(result.phase).toBe('PartiallyFailed');
    const widget = result.items.find((i) => i.groupResource === 'widgets.example.com');
    expect(widget?.action).toBe('failed');
    expect(widget?.error).toBe('the cluster does not serve widgets.example.com in example.com/v1; it serves it in example.com/v2: a resource modifier can rewrite apiVersion, or exclude it');
    expect(result.items.find((i) => i.groupResource === 'configmaps')?.action).toBe('created');
  });
});
