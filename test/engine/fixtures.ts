// What the engine tests share: the sample cluster in the API simulator with a kubeconfig for it
// in a fresh temporary folder, the filesystem BackupLocation most of them use, and reading a
// status file from a remote's HEAD.
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { parse } from 'yaml';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import { git, tempRoot, type Remote } from '../git/helpers.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');

export const LOCAL_LOCATION = `apiVersion: cairn.dev/v1alpha1
kind: BackupLocation
metadata: {name: local}
spec:
  default: true
  provider: filesystem
  filesystem: {path: backups}
`;

export interface SampleCluster {
  sim: Simulator;
  /** A temporary folder for remotes and data directories, removed by stop(). */
  root: string;
  kubeconfig: string;
  stop(): Promise<void>;
}

/** The simulator seeded from samples/cluster, and a kubeconfig for it under a new temporary root. */
async function startSampleCluster(): Promise<SampleCluster> {
  const { root, cleanup } = tempRoot();
  const sim = await startSimulator({ seedDir: join(REPO_ROOT, 'samples/cluster') });
  const kubeconfig = join(root, 'kubeconfig.yaml');
  await sim.writeKubeconfig(kubeconfig);
  return {
    sim,
    root,
    kubeconfig,
    async stop() {
      await sim.stop();
      cleanup();
    },
  };
}

/** Starts the sample cluster before the file's tests (handing it to `onStart`) and stops it after them. */
export function useSampleCluster(onStart: (cluster: SampleCluster) => void): void {
  let cluster: SampleCluster | undefined;
  beforeAll(async () => {
    cluster = await startSampleCluster();
    onStart(cluster);
  });
  afterAll(async () => {
    await cluster?.stop();
  });
}

/** A status file as committed at the remote's HEAD. */
export function statusOf(remote: Remote, path: string): any {
  return parse(git(remote.bare, 'show', `HEAD:${path}`));
}
