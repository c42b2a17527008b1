// A real simulator, a real backup location and the real backup code, wired for restore tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_VERSION, type BackupLocation, type BackupLocationSpec, type ResourceModifiersSpec, type ResourceSelection, type RestoreRequestSpec } from '../../src/api/types.ts';
import { connectCluster, type ClusterClient } from '../../src/cluster/connect.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/index.ts';
import type { KubeObject } from '../../src/cluster/types.ts';
import { runBackup } from '../../src/backup/run.ts';
import { openLocation, type BackupStore, type BackupManifest } from '../../src/storage/index.ts';
import { runRestore } from '../../src/restore/run.ts';
import type { RestoreResult } from '../../src/restore/types.ts';

export interface Harness {
  sim: Simulator;
  client: ClusterClient;
  store: BackupStore;
  backup(name: string, selection?: ResourceSelection): Promise<BackupManifest>;
  restore(name: string, spec: RestoreRequestSpec, modifiers?: ResourceModifiersSpec): Promise<RestoreResult>;
  get(res: Ref, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  close(): Promise<void>;
}

type Ref = { group: string; version: string; resource: string; namespaced: boolean };
export const CM: Ref = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };
export const NS: Ref = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };
export const DEPLOY: Ref = { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true };
export const SVC: Ref = { group: '', version: 'v1', resource: 'services', namespaced: true };

export function location(spec: BackupLocationSpec, name = 'primary'): BackupLocation {
  return { apiVersion: API_VERSION, kind: 'BackupLocation', metadata: { name }, spec, source: { file: 'locations/test.yaml', line: 1, col: 1 } };
}

export async function startHarness(opts: { objects?: KubeObject[]; location?: BackupLocation; env?: NodeJS.ProcessEnv; sim?: SimulatorOptions } = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-restore-'));
  const sim = await startSimulator({ objects: opts.objects, crdEstablishDelayMs: 150, ...opts.sim });
  const client = await connectCluster({ kubeconfigYaml: sim.kubeconfig(), retry: { baseDelayMs: 10, maxDelayMs: 50 }, concurrency: 8 });
  const loc = opts.location ?? location({ provider: 'filesystem', filesystem: { path: join(dir, 'store') } });
  const store = await openLocation(loc, { env: opts.env ?? {}, baseDir: dir });
  return {
    sim,
    client,
    store,
    backup: (name, selection = {}) =>
      runBackup({ client, store, name, policy: 'apps', location: loc.metadata.name, clusterName: 'sim', selection }),
    restore: (name, spec, modifiers) => runRestore({ request: { metadata: { name }, spec }, store, client, clusterName: 'sim', modifiers, crdTimeoutMs: 10_000 }),
    get: (res, namespace, name) => client.get(res, namespace, name),
    async close() {
      client.close();
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const ns = (name: string, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } });
export const cm = (namespace: string, name: string, data: Record<string, string>, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, ...(labels ? { labels } : {}) },
  data,
});

/** The object as a user wrote it: server-set fields removed, for equality modulo server fields. */
export function userView(obj: KubeObject | undefined): unknown {
  if (!obj) return undefined;
  const { status: _s, ...rest } = obj as KubeObject & { status?: unknown };
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, managedFields: _m, generation: _g, ...metadata } = obj.metadata as Record<string, unknown>;
  return { ...rest, metadata };
}
