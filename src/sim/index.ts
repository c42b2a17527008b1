// The Kubernetes API simulator: an HTTP server on 127.0.0.1 that speaks the part of the
// Kubernetes REST API cairn uses, so the unchanged @kubernetes/client-node (and kubectl's basic
// verbs) work against it. Used by the tests, the embedded demo and `cairn sim serve`.
//
// Differences from a real apiserver worth knowing: no watch, no strategic-merge or apply patches
// (415), no schema validation or pruning of custom resources, no status/scale subresource writes,
// lists are served from the current state (a continue token resumes after the last key, it is
// not a snapshot), and namespaces are deleted at once rather than after a Terminating phase.
//
// Storage latency: by default every answer is immediate. With `writeLatencyMs`, the answer to each
// committed write (create, update, patch, delete, deletecollection; not dry runs, not rejected
// requests) waits that long, as a real apiserver waits for etcd to commit (a raft round and an
// fsync, a few ms on SSDs). The write is applied at once and in arrival order, and reads and other
// writes proceed meanwhile: a per-request commit latency, not a lock serializing writes.
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '../cluster/types.ts';
import { ClusterApi } from './api.ts';
import { SimServer, type Stats } from './server.ts';
import { ApiStatusError } from './status.ts';
import { kubeconfigYaml, DEFAULT_CONTEXT } from './kubeconfig.ts';
import { loadSeed, seedOrder, SeedError } from './seed.ts';
import type { Faults } from './faults.ts';

export type { Faults } from './faults.ts';
export { loadSeed, SeedError } from './seed.ts';
export { ApiStatusError } from './status.ts';
export { SERVER_VERSION } from './server.ts';
export { DEFAULT_CONTEXT } from './kubeconfig.ts';

export interface SimulatorOptions {
  /** A directory of YAML seed files (samples/cluster). */
  seedDir?: string;
  /** Objects to create after the seed. */
  objects?: KubeObject[];
  /** Port on 127.0.0.1; 0 or unset picks a free one. */
  port?: number;
  faults?: Faults;
  /** Delay before a new CRD reports Established (default 50 ms). */
  crdEstablishDelayMs?: number;
  /** Commit latency added to the answer of every committed write, in ms (default 0: none). */
  writeLatencyMs?: number;
  /** Answer discovery like an apiserver before 1.26: no aggregated discovery (default false). */
  legacyDiscovery?: boolean;
  /** Serve Ingress through extensions/v1beta1 as well, one storage, as 1.19-1.21 do (default false). */
  cohabitingGroups?: boolean;
  /** How long a deleted namespace stays Terminating before it goes (default 0: at once, unless it has finalizers). */
  namespaceTerminationMs?: number;
}

export interface Simulator {
  url: string;
  port: number;
  kubeconfig(contextName?: string): string;
  writeKubeconfig(file: string, contextName?: string): Promise<void>;
  stats: Stats;
  resetStats(): void;
  faults: Faults;
  stop(): Promise<void>;
}

/** Namespaces every cluster starts with. */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Creates `objects` in seeding order, replacing ones that already exist (the system namespaces). */
function applyObjects(api: ClusterApi, objects: KubeObject[]): void {
  const opts = { manager: 'cairn-sim-seed', dryRun: false };
  let crdsPending = false;
  for (const obj of seedOrder(objects)) {
    if (crdsPending && obj.kind !== 'CustomResourceDefinition') {
      api.establishPendingNow();
      crdsPending = false;
    }
    const def = api.registry.byKind(obj.apiVersion, obj.kind);
    const where = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
    if (!def) throw new SeedError(where, `the simulator serves no ${obj.kind} in ${obj.apiVersion}; is its CustomResourceDefinition in the seed?`);
    const target = { def, apiVersion: obj.apiVersion, namespace: def.namespaced ? (obj.metadata.namespace ?? 'default') : undefined, name: obj.metadata.name };
    const body = structuredClone(obj);
    delete body.metadata.resourceVersion; // a seed may be a dump of a live cluster
    try {
      api.create(target, body, opts);
    } catch (err) {
      if (!(err instanceof ApiStatusError)) throw err;
      if (err.reason !== 'AlreadyExists') throw new SeedError(where, err.message);
      api.update(target, structuredClone(obj), opts);
    }
    if (obj.kind === 'CustomResourceDefinition') crdsPending = true;
  }
  api.establishPendingNow();
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const writeLatencyMs = opts.writeLatencyMs ?? 0;
  if (!Number.isFinite(writeLatencyMs) || writeLatencyMs < 0) {
    throw new RangeError(`writeLatencyMs ${opts.writeLatencyMs}: expected a number of milliseconds, 0 or more`);
  }
  const api = new ClusterApi(opts.crdEstablishDelayMs ?? 50, opts.cohabitingGroups ?? false, opts.namespaceTerminationMs ?? 0);
  applyObjects(
    api,
    SYSTEM_NAMESPACES.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
  );
  if (opts.seedDir) applyObjects(api, await loadSeed(opts.seedDir));
  if (opts.objects?.length) applyObjects(api, opts.objects);

  const sim = {
    faults: opts.faults ?? {},
  } as Simulator;
  const server = new SimServer(api, () => sim.faults, writeLatencyMs, opts.legacyDiscovery ?? false);
  await new Promise<void>((resolve, reject) => {
    server.http.once('error', reject);
    server.http.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.http.off('error', reject);
      resolve();
    });
  });
  const port = (server.http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  Object.assign(sim, {
    url,
    port,
    stats: server.stats,
    kubeconfig: (contextName: string = DEFAULT_CONTEXT) => kubeconfigYaml(url, contextName),
    async writeKubeconfig(file: string, contextName: string = DEFAULT_CONTEXT) {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, kubeconfigYaml(url, contextName), { mode: 0o600 });
    },
    resetStats: () => server.resetStats(),
    async stop() {
      api.dispose();
      await new Promise<void>((resolve, reject) => {
        server.http.close((err) => (err ? reject(err) : resolve()));
        server.http.closeAllConnections();
      });
    },
  });
  return sim;
}
