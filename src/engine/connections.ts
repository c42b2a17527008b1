// Opens BackupLocations and clusters named by the policy repository, and keeps them open across
// ticks while their spec is unchanged (a changed spec in Git reopens them).
import type { BackupLocation, Cluster, PolicyRepository } from '../api/types.ts';
import { openLocation, type BackupStore } from '../storage/index.ts';
import type { ClusterClient } from '../cluster/connect.ts';
import type { EngineConfig } from './config.ts';

/** The name recorded for the engine's own kubeconfig when a policy names no Cluster. */
export const DEFAULT_CLUSTER = 'default';

export class Connections {
  private readonly stores = new Map<string, { key: string; store: Promise<BackupStore> }>();
  private readonly clusters = new Map<string, { key: string; client: Promise<ClusterClient> }>();

  constructor(private readonly config: EngineConfig) {}

  location(loc: BackupLocation): Promise<BackupStore> {
    const key = JSON.stringify(loc.spec);
    const hit = this.stores.get(loc.metadata.name);
    if (hit && hit.key === key) return hit.store;
    const store = openLocation(loc, { env: this.config.env, baseDir: this.config.dataDir, logger: this.config.logger });
    // A failed open is not cached: the next tick tries again (e.g. once the env var is set).
    store.catch(() => this.stores.delete(loc.metadata.name));
    this.stores.set(loc.metadata.name, { key, store });
    return store;
  }

  async cluster(repo: PolicyRepository, name: string | undefined): Promise<{ client: ClusterClient; name: string }> {
    const cluster: Cluster | undefined = name ? repo.clusters.find((c) => c.metadata.name === name) : undefined;
    if (name && !cluster) throw new Error(`Cluster "${name}" is not defined in the policy repository`);
    const clusterName = cluster?.metadata.name ?? DEFAULT_CLUSTER;
    const key = JSON.stringify(cluster?.spec ?? { kubeconfig: this.config.kubeconfig });
    const hit = this.clusters.get(clusterName);
    if (hit && hit.key === key) return { client: await hit.client, name: clusterName };
    // The Kubernetes client is loaded by the first cluster connection, not at import (issue 17).
    const { clusterConnectOptions, connectCluster } = await import('../cluster/connect.ts');
    const opts = cluster
      ? clusterConnectOptions(cluster, this.config.env, process.cwd())
      : { kubeconfigPath: this.config.kubeconfig, name: DEFAULT_CLUSTER };
    const client = connectCluster(opts, this.config.env);
    client.catch(() => this.clusters.delete(clusterName));
    this.clusters.set(clusterName, { key, client });
    return { client: await client, name: clusterName };
  }
}
