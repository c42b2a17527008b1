// Engine settings: where the policy repository and the data live, and the safety knobs.
// Every field has a default so `cairn run` needs only the repository.
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import type { ShardSpec } from '../ha/shards.ts';

export interface EngineConfig {
  /** URL or local path of the policy repository (the remote cairn pulls and pushes). */
  repoUrl: string;
  branch?: string;
  /** Local data directory: cairn's clone lives in <dataDir>/repo; relative filesystem locations resolve here. */
  dataDir: string;
  /** cairn's clone of the policy repository; default <dataDir>/repo. */
  workdir: string;
  /** Default kubeconfig for policies without a Cluster (else KUBECONFIG / ~/.kube/config / in-cluster). */
  kubeconfig?: string;
  author?: { name: string; email: string };
  skipCi: boolean;
  /** Actions run at once across policies (one backup per policy at a time regardless). */
  concurrency: number;
  maxDeletionsPerTick?: number;
  allowMassDeletion: boolean;
  /** Full inventory re-list period, like Velero's backup sync; default 10m. */
  inventorySyncPeriodMs: number;
  /** Incomplete uploads older than this are cleaned; default 1h. */
  incompleteCleanupAfterMs: number;
  /**
   * With `cairn run --shards N`: the engine acts only on this shard's policies and restores and
   * writes only their status files (src/ha/shards.ts). Undefined: everything.
   */
  shard?: ShardSpec;
  /** Identifies this engine in locks. */
  holder: string;
  env: NodeJS.ProcessEnv;
  /** The clock; the demo advances a simulated one. */
  now: () => Date;
  logger: Logger;
}

export function engineConfig(partial: Partial<EngineConfig> & { repoUrl: string }): EngineConfig {
  const dataDir = resolve(partial.dataDir ?? join('.cairn', 'data'));
  return {
    skipCi: true,
    concurrency: 4,
    allowMassDeletion: false,
    inventorySyncPeriodMs: 10 * 60_000,
    incompleteCleanupAfterMs: 60 * 60_000,
    holder: `${hostname()}/${process.pid}`,
    env: process.env,
    now: () => new Date(),
    logger: silentLogger,
    ...partial,
    dataDir,
    workdir: resolve(partial.workdir ?? join(dataDir, 'repo')),
  };
}
