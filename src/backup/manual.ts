// A backup taken now (`cairn backup create --policy`): the application function behind the
// command. It opens the policy's location and connects to its cluster (or etcd), then runs the
// same runBackup / runEtcdBackupOf the engine runs for a due slot (engine/execute.ts), and closes
// what it opened. The command only parses flags, draws progress, and prints the manifest.
import type { BackupLocation, BackupPolicy, Cluster } from '../api/types.ts';
import { commandConnectOptions, connectCluster, type ClusterClient } from '../cluster/connect.ts';
import type { Logger } from '../log.ts';
import { openLocation } from '../storage/index.ts';
import type { BackupManifest } from '../storage/types.ts';
import { runEtcdBackupOf } from './etcd.ts';
import { runBackup } from './run.ts';
import type { BackupProgress } from './types.ts';

export interface ManualBackup {
  name: string;
  policy: BackupPolicy;
  location: BackupLocation;
  /** The policy's Cluster; without one, `kubeconfig`/`context` (or KUBECONFIG). */
  cluster?: Cluster;
  kubeconfig?: string;
  context?: string;
  /** Base of relative filesystem locations and key files. */
  dataDir: string;
  logger: Logger;
  onProgress?: (p: BackupProgress) => void;
}

export class ManualBackupError extends Error {
  readonly code = 'backup.config';
}

export async function runManualBackup(b: ManualBackup): Promise<BackupManifest> {
  const store = await openLocation(b.location, { logger: b.logger, baseDir: b.dataDir });
  const policy = b.policy.metadata.name;
  if (b.policy.spec.type === 'etcd') {
    if (!b.cluster) throw new ManualBackupError(`policy ${policy} is of type etcd but names no Cluster with spec.etcd`);
    return runEtcdBackupOf(b.cluster, { store, name: b.name, policy, location: store.name, logger: b.logger });
  }
  let client: ClusterClient | undefined;
  try {
    client = await connectCluster(commandConnectOptions(b));
    return await runBackup({
      client,
      store,
      name: b.name,
      policy,
      location: b.location.metadata.name,
      clusterName: b.cluster?.metadata.name ?? client.name,
      selection: b.policy.spec,
      logger: b.logger,
      ...(b.onProgress ? { onProgress: b.onProgress } : {}),
    });
  } finally {
    client?.close();
  }
}
