import type { KubeObject } from '../../src/cluster/types.ts';
import type { ModifierRule, ResourceModifiersSpec } from '../../src/api/types.ts';

export const spec = (...rules: ModifierRule[]): ResourceModifiersSpec => ({ version: 'v1', resourceModifierRules: rules });

export function pvc(storageClassName: string, extra: Partial<{ name: string; namespace: string; labels: Record<string, string> }> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: extra.name ?? 'mysql-data', namespace: extra.namespace ?? 'foo', labels: extra.labels ?? { foo: 'bar', test: 'x' } },
    spec: { storageClassName, accessModes: ['ReadWriteOnce'] },
  };
}

export function deployment(name = 'test-web', namespace = 'foo'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: 'nginx' } },
    spec: {
      replicas: 1,
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx:latest',
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
            { name: 'sidecar', image: 'busybox:1' },
          ],
          volumes: [{ name: 'data', nfs: { server: 'nfs', path: '/x' } }],
          tolerations: [{ key: 'a', operator: 'Exists' }],
        },
      },
    },
  };
}

export const management = (): KubeObject => ({
  apiVersion: 'k0rdent.mirantis.com/v1beta1',
  kind: 'Management',
  metadata: { name: 'kcm', finalizers: ['k0rdent.mirantis.com/management-controller'] },
  spec: { release: 'kcm-1-2-0', providers: [{ name: 'cluster-api' }, { name: 'k0smotron' }] },
});
