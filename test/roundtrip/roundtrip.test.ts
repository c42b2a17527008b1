// Backup → delete → restore round trips, field by field, against a real cluster
// (`npm run test:cluster`, which sets CAIRN_ROUNDTRIP_KUBECONFIG from KUBECONFIG) or, in
// `npm test`, against the simulator. Everything is created in this run's own namespaces
// (cairn-rt-<random>-*) and one CRD of a unique group, and deleted afterwards. Objects are
// compared with only server-set fields ignored (the list is below, with why), never through
// cairn's own normalization.
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, type RestoreRequestSpec } from '../../src/api/types.ts';
import { connectCluster, type ClusterClient } from '../../src/cluster/connect.ts';
import type { ResourceRef } from '../../src/cluster/client.ts';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import type { KubeObject } from '../../src/cluster/types.ts';
import { runBackup } from '../../src/backup/run.ts';
import { runRestore } from '../../src/restore/run.ts';
import { openLocation, type BackupStore } from '../../src/storage/index.ts';

const REAL = process.env.CAIRN_ROUNDTRIP_KUBECONFIG;
const TIMEOUT = REAL ? 300_000 : 60_000;
const run = randomBytes(3).toString('hex');
const prefix = `cairn-rt-${run}`;
const NS_A = `${prefix}-a`;
const NS_MAPPED = `${prefix}-a-restored`;
const GROUP = `rt${run}.cairn-test.dev`;

const NS: ResourceRef = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };
const CM: ResourceRef = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };
const SECRET: ResourceRef = { group: '', version: 'v1', resource: 'secrets', namespaced: true };
const SVC: ResourceRef = { group: '', version: 'v1', resource: 'services', namespaced: true };
const DEPLOY: ResourceRef = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true };
const CRD: ResourceRef = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', namespaced: false };
const COUNTERS: ResourceRef = { group: GROUP, version: 'v1', resource: 'counters', namespaced: true };

const crd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `counters.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'counters', singular: 'counter', kind: 'Counter', listKind: 'CounterList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

function objects(ns: string): { ref: ResourceRef; obj: KubeObject }[] {
  return [
    { ref: CM, obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns, labels: { app: 'web' }, annotations: { note: 'kept' } }, data: { mode: 'blue', 'big.json': '{"n":1}' } } },
    { ref: SECRET, obj: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: ns }, type: 'Opaque', data: { password: Buffer.from('s3cret').toString('base64') } } },
    { ref: SVC, obj: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } } },
    {
      ref: DEPLOY,
      obj: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: ns, labels: { app: 'web' } },
        spec: {
          replicas: 0, // nothing is scheduled: the round trip is about the object, not pods
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.k8s.io/pause:3.9' }] } },
        },
      },
    },
    // int64 beyond 2^53 and floats, as the API server stores them for a custom resource.
    { ref: COUNTERS, obj: { apiVersion: `${GROUP}/v1`, kind: 'Counter', metadata: { name: 'c1', namespace: ns }, spec: { big: 9007199254740993n, max: 9223372036854775807n, ratio: 0.1 } } as unknown as KubeObject },
  ];
}

/**
 * What the server sets and a restore rightly does not carry over: identity and bookkeeping
 * (uid, resourceVersion, creationTimestamp, generation, managedFields), status (controllers
 * recompute it), a Deployment's revision annotation (the deployment controller's counter), a
 * Service's allocated cluster IPs, and the namespace the object is compared in (mapping).
 */
function userFields(obj: KubeObject | undefined): unknown {
  if (!obj) return undefined;
  const o = structuredClone(obj) as Record<string, any>;
  delete o.status;
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink', 'namespace']) delete o.metadata[k];
  if (o.metadata.annotations) {
    delete o.metadata.annotations['deployment.kubernetes.io/revision'];
    if (Object.keys(o.metadata.annotations).length === 0) delete o.metadata.annotations;
  }
  if (o.kind === 'Service') {
    delete o.spec.clusterIP;
    delete o.spec.clusterIPs;
  }
  return o;
}

let sim: Simulator | undefined;
let client: ClusterClient;
let store: BackupStore;
let dir: string;
const before = new Map<string, unknown>();

async function waitGone(ref: ResourceRef, name: string): Promise<void> {
  const deadline = Date.now() + TIMEOUT - 10_000;
  while (await client.get(ref, undefined, name)) {
    if (Date.now() > deadline) throw new Error(`${ref.resource} ${name} is still there`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function waitServed(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if ((await client.discover()).some((r) => r.groupResource === `counters.${GROUP}`)) return;
    if (Date.now() > deadline) throw new Error(`counters.${GROUP} is not served`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function restore(name: string, spec: RestoreRequestSpec) {
  return runRestore({ request: { metadata: { name }, spec }, store, client, clusterName: 'roundtrip', crdTimeoutMs: 60_000 });
}

describe(`round trip against ${REAL ? `the cluster of ${REAL}` : 'the simulator'}`, { timeout: TIMEOUT }, () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-roundtrip-'));
    if (REAL) client = await connectCluster({ kubeconfigPath: REAL, context: process.env.CAIRN_TEST_CONTEXT, concurrency: 8 });
    else {
      sim = await startSimulator();
      client = await connectCluster({ kubeconfigYaml: sim.kubeconfig(), concurrency: 8 });
    }
    store = await openLocation(
      { apiVersion: API_VERSION, kind: 'BackupLocation', metadata: { name: 'roundtrip' }, spec: { provider: 'filesystem', filesystem: { path: join(dir, 'store') } }, source: { file: 'roundtrip', line: 1, col: 1 } },
      { env: {}, baseDir: dir },
    );
    await client.create(CRD, crd);
    await waitServed();
    await client.create(NS, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS_A, labels: { 'cairn-test': run } } });
    for (const { ref, obj } of objects(NS_A)) await client.create(ref, obj);
    for (const { ref, obj } of objects(NS_A)) before.set(`${ref.resource}/${obj.metadata.name}`, userFields(await client.get(ref, NS_A, obj.metadata.name)));
  }, TIMEOUT);

  afterAll(async () => {
    if (client) {
      for (const ns of [NS_A, NS_MAPPED]) await client.delete(NS, undefined, ns).catch(() => false);
      await client.delete(CRD, undefined, crd.metadata.name).catch(() => false);
      client.close();
    }
    await sim?.stop();
    await rm(dir, { recursive: true, force: true });
  }, TIMEOUT);

  it('backup → delete the namespace → restore gives back every object, field by field', async () => {
    const manifest = await runBackup({ client, store, name: `${prefix}-1`, policy: 'roundtrip', location: 'roundtrip', clusterName: 'roundtrip', selection: { includedNamespaces: [NS_A] } });
    expect(manifest.phase, JSON.stringify([manifest.warnings, manifest.errors])).toBe('Completed');
    await client.delete(NS, undefined, NS_A);
    await waitGone(NS, NS_A);

    const result = await restore(`${prefix}-r1`, { backupName: manifest.name });
    expect(result.phase, JSON.stringify([result.errors, result.items.filter((i) => i.action === 'failed')])).toBe('Completed');
    for (const { ref, obj } of objects(NS_A)) {
      expect(userFields(await client.get(ref, NS_A, obj.metadata.name)), `${ref.resource}/${obj.metadata.name}`).toEqual(before.get(`${ref.resource}/${obj.metadata.name}`));
    }
    // Nothing differs any more.
    const again = await restore(`${prefix}-r2`, { backupName: manifest.name, dryRun: true });
    const changed = again.items.filter((i) => i.action !== 'unchanged' && !i.reason?.startsWith('managed by'));
    expect(changed).toEqual([]);
  });

  it('existingResourcePolicy update puts a changed object back to the backup state', async () => {
    const manifest = await runBackup({ client, store, name: `${prefix}-2`, policy: 'roundtrip', location: 'roundtrip', clusterName: 'roundtrip', selection: { includedNamespaces: [NS_A] } });
    await client.patch(CM, NS_A, 'settings', { data: { mode: 'green', extra: 'x' } }, 'merge');
    await client.patch(COUNTERS, NS_A, 'c1', { spec: { big: 9007199254740992n } }, 'merge');

    const skipped = await restore(`${prefix}-r3`, { backupName: manifest.name });
    expect(skipped.items.find((i) => i.name === 'settings' && i.groupResource === 'configmaps')).toMatchObject({ action: 'skipped', differs: true });
    const updated = await restore(`${prefix}-r4`, { backupName: manifest.name, existingResourcePolicy: 'update' });
    expect(updated.phase).toBe('Completed');
    expect(userFields(await client.get(CM, NS_A, 'settings'))).toEqual(before.get('configmaps/settings'));
    expect(userFields(await client.get(COUNTERS, NS_A, 'c1'))).toEqual(before.get('counters/c1'));
  });

  it('namespaceMapping restores the same objects into another namespace', async () => {
    const result = await restore(`${prefix}-r5`, { backupName: `${prefix}-1`, namespaceMapping: { [NS_A]: NS_MAPPED } });
    expect(result.phase, JSON.stringify(result.errors)).toBe('Completed');
    for (const { ref, obj } of objects(NS_A)) {
      expect(userFields(await client.get(ref, NS_MAPPED, obj.metadata.name)), `${ref.resource}/${obj.metadata.name}`).toEqual(before.get(`${ref.resource}/${obj.metadata.name}`));
    }
  });
});
