// Cluster contents for backup tests and the benchmark: namespaces full of ConfigMaps, a few
// Deployments and Secrets, and a CRD with custom resources.
import type { KubeObject } from '../../src/cluster/types.ts';

export function namespace(name: string, labels?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } };
}

/** `count` ConfigMaps spread over `namespaces` namespaces ("bulk-0" …), about 600 bytes each. */
export function bulkConfigMaps(count: number, namespaces = 10): KubeObject[] {
  const objects: KubeObject[] = [];
  for (let n = 0; n < namespaces; n++) objects.push(namespace(`bulk-${n}`));
  for (let i = 0; i < count; i++) {
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `config-${String(i).padStart(6, '0')}`, namespace: `bulk-${i % namespaces}`, labels: { app: `app-${i % 7}`, tier: i % 2 ? 'web' : 'db' } },
      data: {
        'settings.yaml': `replicas: ${i % 5}\nimage: registry.example/app-${i % 7}:1.${i % 13}.0\nfeature-flags: [alpha, beta]\n`,
        note: `object ${i} of ${count}; generated for the backup tests and benchmark`,
        checksum: (i * 2654435761 % 4294967296).toString(16).padStart(8, '0').repeat(4),
      },
    });
  }
  return objects;
}

export const widgetCrd: KubeObject = crd('widgets', 'Widget');
export const gadgetCrd: KubeObject = crd('gadgets', 'Gadget');

function crd(plural: string, kind: string): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.example.com` },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

/** Two teams: widgets in team-a, gadgets in team-b, a Deployment and a Secret in each, and a ClusterRole. */
export function teams(): KubeObject[] {
  const objs: KubeObject[] = [namespace('team-a', { team: 'a' }), namespace('team-b', { team: 'b' }), widgetCrd, gadgetCrd];
  for (const ns of ['team-a', 'team-b']) {
    objs.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns, labels: { app: 'web' } },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
    });
    objs.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: ns }, type: 'Opaque', data: { password: Buffer.from('hunter2').toString('base64') } });
  }
  objs.push({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'team-a', labels: { app: 'web' } }, spec: { size: 3 } });
  objs.push({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w2', namespace: 'team-a' }, spec: { size: 5 } });
  objs.push({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g1', namespace: 'team-b' }, spec: { on: true } });
  objs.push({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'team-reader' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
  });
  return objs;
}
