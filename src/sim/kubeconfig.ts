// The kubeconfig that points kubectl and @kubernetes/client-node at a running simulator.
// It carries no credential: the simulator accepts anonymous requests. The server speaks plain
// HTTP on 127.0.0.1; client-node refuses http:// unless insecure-skip-tls-verify is set.
import { stringify } from 'yaml';

export const DEFAULT_CONTEXT = 'cairn-sim';

export function kubeconfigYaml(url: string, contextName: string = DEFAULT_CONTEXT): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: contextName, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: contextName, user: {} }],
    contexts: [{ name: contextName, context: { cluster: contextName, user: contextName, namespace: 'default' } }],
    'current-context': contextName,
  });
}
