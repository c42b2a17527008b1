// Connecting to a cluster: a kubeconfig (path or YAML) and context, the pod's service account,
// or the usual defaults (KUBECONFIG, ~/.kube/config). Also maps a Cluster object's spec
// (DESIGN §2) onto those options.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { readFileCappedSync } from '../read-capped.ts';
// The KubeConfig class's own module, not the package index (which evaluates every API class and
// model): scripts/bundle.mjs, narrowKubeConfig.
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { Cluster } from '../api/types.ts';
import { KubeClusterClient, type ClusterClient } from './client.ts';
import { ClusterError } from './errors.ts';
import { DEFAULT_MAX_SOCKETS, DEFAULT_RETRY, Transport, type RetryOptions } from './transport.ts';

export interface ConnectOptions {
  kubeconfigPath?: string;
  kubeconfigYaml?: string;
  context?: string;
  inCluster?: boolean;
  /** Name recorded in manifests; default the Cluster object's name, else the context. */
  name?: string;
  retry?: Partial<RetryOptions>;
  /** Requests in flight at once (discovery, lists across resources); default 4. */
  concurrency?: number;
}

function loadKubeConfig(opts: ConnectOptions, env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new KubeConfig();
  const source = opts.kubeconfigPath ?? (opts.kubeconfigYaml !== undefined ? 'the given kubeconfig' : undefined);
  try {
    if (opts.inCluster) kc.loadFromCluster();
    else if (opts.kubeconfigYaml !== undefined) kc.loadFromString(opts.kubeconfigYaml);
    else if (opts.kubeconfigPath) {
      loadKubeconfigFile(kc, opts.kubeconfigPath);
    } else {
      const home = join(homedir(), '.kube', 'config');
      if (!env.KUBECONFIG && !existsSync(home) && !env.KUBERNETES_SERVICE_HOST) {
        throw new ClusterError(
          'cluster.config',
          `no cluster configured: set KUBECONFIG, create ${home}, or give the policy a Cluster (spec.kubeconfig, spec.kubeconfigFromEnv or spec.inCluster)`,
        );
      }
      kc.loadFromDefault();
    }
  } catch (err) {
    if (err instanceof ClusterError) throw err;
    const where = opts.inCluster ? 'the in-cluster service account' : (source ?? 'the default kubeconfig');
    throw new ClusterError('cluster.config', `cannot load ${where}: ${(err as Error).message}`);
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
      throw new ClusterError('cluster.config', `context "${opts.context}" not found in ${source ?? 'the kubeconfig'} (contexts: ${known})`);
    }
    kc.setCurrentContext(opts.context);
  }
  return kc;
}

/** A kubeconfig is a few KiB (certificates included); far more is not one. */
export const MAX_KUBECONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Reads a kubeconfig file, capped. The path comes from the policy repository, so it may name any
 * file: a parse failure says where, never what the file holds (errors are committed to Git).
 */
function loadKubeconfigFile(kc: KubeConfig, path: string): void {
  if (!existsSync(path)) throw new ClusterError('cluster.config', `cannot load ${path}: no such file`);
  let text: string;
  try {
    text = readFileCappedSync(path, MAX_KUBECONFIG_BYTES, 'the file');
  } catch (err) {
    throw new ClusterError('cluster.config', `cannot load ${path}: ${(err as Error).message}`);
  }
  try {
    kc.loadFromString(text);
  } catch (err) {
    const line = (err as { mark?: { line?: number } }).mark?.line;
    throw new ClusterError(
      'cluster.config',
      `cannot load ${path}: it is not a valid kubeconfig (${line !== undefined ? `cannot be parsed at line ${line + 1}` : 'wrong structure'}); point spec.kubeconfig at a kubeconfig file`,
    );
  }
  kc.makePathsAbsolute(dirname(path));
}

export async function connectCluster(opts: ConnectOptions, env: NodeJS.ProcessEnv = process.env): Promise<ClusterClient> {
  const kc = loadKubeConfig(opts, env);
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new ClusterError('cluster.config', `the kubeconfig's current context "${kc.getCurrentContext()}" names no cluster with a server URL`);
  }
  const concurrency = opts.concurrency ?? 4;
  // The socket pool also serves wider callers than `concurrency` (a restore's apply).
  const transport = new Transport(kc, cluster.server, { ...DEFAULT_RETRY, ...opts.retry }, Math.max(DEFAULT_MAX_SOCKETS, concurrency * 2));
  return new KubeClusterClient(transport, opts.name ?? kc.getCurrentContext() ?? cluster.name, concurrency);
}

/** Connect options for a Cluster object of the policy repository; undefined cluster = defaults. */
export function clusterConnectOptions(cluster: Cluster | undefined, env: NodeJS.ProcessEnv = process.env, baseDir?: string): ConnectOptions {
  if (!cluster) return {};
  const spec = cluster.spec;
  const where = `${cluster.source.file}: Cluster "${cluster.metadata.name}"`;
  if (spec.inCluster) return { inCluster: true, context: spec.context, name: cluster.metadata.name };
  let path = spec.kubeconfig;
  if (!path && spec.kubeconfigFromEnv) {
    path = env[spec.kubeconfigFromEnv];
    if (!path) throw new ClusterError('cluster.config', `${where}: spec.kubeconfigFromEnv names ${spec.kubeconfigFromEnv}, which is not set; export it with the kubeconfig's path`);
  }
  if (path && baseDir && !path.startsWith('/')) path = join(baseDir, path);
  // Name the variable or field the path came from, not only the path (issue 21).
  if (path && !existsSync(path)) {
    const from = spec.kubeconfig ? `spec.kubeconfig ${spec.kubeconfig}` : `${spec.kubeconfigFromEnv}=${env[spec.kubeconfigFromEnv!]}`;
    throw new ClusterError('cluster.config', `${where}: ${from}: no such kubeconfig file`);
  }
  return { kubeconfigPath: path, context: spec.context, name: cluster.metadata.name };
}

/**
 * The cluster a manual command (`cairn backup create`, `cairn restore create`) connects to: the
 * Cluster it names (as clusterConnectOptions reads it), else --kubeconfig (else KUBECONFIG or
 * ~/.kube/config); --context picks the context of either.
 */
export function commandConnectOptions(o: { cluster?: Cluster; kubeconfig?: string; context?: string }, env: NodeJS.ProcessEnv = process.env, baseDir: string = process.cwd()): ConnectOptions {
  const connect: ConnectOptions = o.cluster ? clusterConnectOptions(o.cluster, env, baseDir) : { ...(o.kubeconfig ? { kubeconfigPath: o.kubeconfig } : {}) };
  if (o.context) connect.context = o.context;
  return connect;
}

export { ClusterError } from './errors.ts';
export type { ClusterClient } from './client.ts';
