// A manual restore (`cairn restore create`): the application function behind the command. It
// opens the location and connects to the cluster the command named, then runs the same
// runRestore the engine runs for a RestoreRequest (engine/execute.ts), and closes what it opened.
// The command only parses flags, picks objects from the repository, and prints the result.
import type { BackupLocation, Cluster, ResourceModifiersSpec, RestoreRequestSpec } from '../api/types.ts';
import { commandConnectOptions, connectCluster, type ClusterClient } from '../cluster/connect.ts';
import type { Logger } from '../log.ts';
import { openLocation } from '../storage/index.ts';
import { runRestore, type RestoreProgress } from './run.ts';
import type { RestoreResult } from './types.ts';

export interface ManualRestore {
  name: string;
  spec: RestoreRequestSpec;
  location: BackupLocation;
  /** The Cluster of the policy repository to restore into; else `kubeconfig`/`context` (or KUBECONFIG). */
  cluster?: Cluster;
  kubeconfig?: string;
  context?: string;
  modifiers?: ResourceModifiersSpec;
  /** Base of relative filesystem locations and key files. */
  dataDir: string;
  logger: Logger;
  onProgress?: (p: RestoreProgress) => void;
}

export async function runManualRestore(r: ManualRestore): Promise<RestoreResult> {
  const store = await openLocation(r.location, { logger: r.logger, baseDir: r.dataDir });
  let client: ClusterClient | undefined;
  try {
    client = await connectCluster(commandConnectOptions(r));
    return await runRestore({
      request: { metadata: { name: r.name }, spec: r.spec },
      store,
      client,
      modifiers: r.modifiers,
      clusterName: r.cluster?.metadata.name ?? client.name,
      logger: r.logger,
      onProgress: r.onProgress,
    });
  } finally {
    client?.close();
  }
}
