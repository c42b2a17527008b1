// Shared by the backup conformance tests: builders shaped like Velero's pkg/builder, and a
// backup run through the real parts (the simulator over HTTP, the backup engine, a filesystem
// location) whose archived paths are read back from the stored index.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startSimulator } from '../../src/sim/index.ts';
import { connectCluster } from '../../src/cluster/connect.ts';
import type { KubeObject } from '../../src/cluster/types.ts';
import { runBackup } from '../../src/backup/run.ts';
import { openLocation } from '../../src/storage/index.ts';
import { API_VERSION, type ResourceSelection } from '../../src/api/types.ts';
import type { BackupManifest, IndexEntry } from '../../src/storage/types.ts';

type Labels = Record<string, string>;
const meta = (name: string, namespace?: string, labels?: Labels) => ({ name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) });

export const ns = (name: string, labels?: Labels): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(name, undefined, labels) });
export const pod = (namespace: string, name: string, labels?: Labels): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta(name, namespace, labels),
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});
export const deployment = (namespace: string, name: string, labels?: Labels): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: meta(name, namespace, labels),
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
});
export const pv = (name: string, labels?: Labels): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: meta(name, undefined, labels),
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/data/${name}` } },
});
export const pvc = (namespace: string, name: string, volumeName: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: meta(name, namespace),
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName },
});
/** builder.ForCustomResourceDefinitionV1Beta1("backups.velero.io"): a namespaced CRD named plural.group. */
export const crd = (name: string): KubeObject => {
  const [plural, ...group] = name.split('.');
  const kind = plural.charAt(0).toUpperCase() + plural.slice(1, plural.endsWith('s') ? -1 : undefined);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: {
      group: group.join('.'),
      scope: 'Namespaced',
      names: { plural, singular: plural.replace(/s$/, ''), kind, listKind: `${kind}List` },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
};
export const VELERO_CRDS = [crd('backups.velero.io'), crd('volumesnapshotlocations.velero.io'), crd('test.velero.io')];
export const vsl = (namespace: string, name: string): KubeObject => ({ apiVersion: 'velero.io/v1', kind: 'Volumesnapshotlocation', metadata: meta(name, namespace), spec: {} });
export const veleroBackup = (namespace: string, name: string): KubeObject => ({ apiVersion: 'velero.io/v1', kind: 'Backup', metadata: meta(name, namespace), spec: {} });

export interface Outcome {
  manifest: BackupManifest;
  /** Archived paths (Velero's layout, without its <version>-preferredversion copies). */
  paths: string[];
  /** Warnings of the backup log. */
  log: string[];
}

/** Runs one backup of `objects` with `selection`; the namespaces the objects use are created first. */
export async function backupOf(objects: KubeObject[], selection: ResourceSelection): Promise<Outcome> {
  const namespaces = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const implicit = [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n && !namespaces.has(n)))].map((n) => ns(n));
  const sim = await startSimulator({ objects: [...implicit, ...objects], crdEstablishDelayMs: 0 });
  const client = await connectCluster({ kubeconfigYaml: sim.kubeconfig(), retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  const root = await mkdtemp(join(tmpdir(), 'cairn-conformance-'));
  try {
    const store = await openLocation({
      apiVersion: API_VERSION,
      kind: 'BackupLocation',
      metadata: { name: 'local' },
      spec: { provider: 'filesystem', filesystem: { path: root } },
      source: { file: 'locations/local.yaml', line: 1, col: 1 },
    });
    const manifest = await runBackup({ client, store, name: 'b', policy: 'p', location: 'local', clusterName: 'sim', selection });
    const index = JSON.parse(gunzipSync(await readFile(join(root, 'backups/b/index.json.gz'))).toString()) as IndexEntry[];
    const log = gunzipSync(await readFile(join(root, 'backups/b/log.jsonl.gz')))
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level?: string; msg?: string; message?: string })
      .filter((l) => l.level === 'warn')
      .map((l) => l.msg ?? l.message ?? '');
    return { manifest, paths: index.map((e) => e.path).sort(), log };
  } finally {
    client.close();
    await sim.stop();
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * The paths of `outcome` that the Velero case can speak about: the resources its objects belong
 * to, and Namespace objects of the namespaces the case uses (the simulator, like any cluster,
 * also has default, kube-system, … which Velero's fake cluster has not).
 */
export function relevant(paths: string[], objects: KubeObject[]): string[] {
  const names = new Set(objects.flatMap((o) => [o.metadata.namespace, o.kind === 'Namespace' ? o.metadata.name : undefined]).filter(Boolean) as string[]);
  const resources = new Set(
    paths.map((p) => p.split('/')[1]).filter((r) => r !== 'namespaces'),
  );
  const kinds = new Set(objects.map((o) => o.kind));
  return paths.filter((p) => {
    const [, resource, scope, a] = p.split('/');
    if (resource === 'namespaces') return scope === 'cluster' && names.has(a.replace(/\.json$/, ''));
    return resources.has(resource) && kindOf(resource, kinds);
  });
}

function kindOf(resource: string, kinds: Set<string>): boolean {
  const map: Record<string, string> = {
    pods: 'Pod',
    'deployments.apps': 'Deployment',
    persistentvolumes: 'PersistentVolume',
    persistentvolumeclaims: 'PersistentVolumeClaim',
    'customresourcedefinitions.apiextensions.k8s.io': 'CustomResourceDefinition',
    'volumesnapshotlocations.velero.io': 'Volumesnapshotlocation',
    'backups.velero.io': 'Backup',
    'configmaps': 'ConfigMap',
  };
  return map[resource] !== undefined && kinds.has(map[resource]);
}
