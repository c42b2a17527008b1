// Shared setup for the simulator tests: a running simulator, client-node clients built from its
// kubeconfig (unchanged client-node, as cairn's adapter uses it), and a raw HTTP helper.
import * as k8s from '@kubernetes/client-node';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';

export interface Harness {
  sim: Simulator;
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  custom: k8s.CustomObjectsApi;
  ext: k8s.ApiextensionsV1Api;
  objects: k8s.KubernetesObjectApi;
  raw: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any; headers: Headers }>;
}

export async function harness(opts: Parameters<typeof startSimulator>[0] = {}): Promise<Harness> {
  const sim = await startSimulator(opts);
  const kc = new k8s.KubeConfig();
  kc.loadFromString(sim.kubeconfig());
  const raw: Harness['raw'] = async (method, path, body, headers = {}) => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // plain-text endpoints (/healthz)
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    sim,
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    ext: kc.makeApiClient(k8s.ApiextensionsV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kc),
    raw,
  };
}

/** Runs `fn` and returns the ApiException client-node throws (fails if it does not throw). */
export async function apiError(fn: () => Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof k8s.ApiException) {
      return { code: err.code, body: typeof err.body === 'string' ? JSON.parse(err.body) : err.body };
    }
    throw err;
  }
  throw new Error('expected the request to fail, it succeeded');
}

export function configMap(name: string, namespace: string, labels?: Record<string, string>): k8s.V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: { key: name } };
}
