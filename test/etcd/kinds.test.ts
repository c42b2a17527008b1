// The etcd fields of the kinds (issue 14): Cluster spec.etcd and BackupPolicy spec.type, with
// the exact errors `cairn validate` reports (file:line:col, field) for each mistake.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/api/loader.ts';
import { formatErrors } from '../../src/api/format.ts';
import { API, BASE, ROOT, cairn, policy, writeRepo } from '../api/fixtures.ts';

const etcdCluster = (name: string, etcd: string, extra = '') => `${API}\nkind: Cluster\nmetadata: {name: ${name}}\nspec:\n${extra}  etcd:\n${etcd}`;
const TLS_CLUSTER = etcdCluster(
  'cp',
  '    endpoints: [https://10.0.0.1:2379, https://10.0.0.2:2379]\n    tls:\n      caFileFromEnv: ETCD_CA\n      certFile: /etc/etcd/client.crt\n      keyFile: /etc/etcd/client.key\n',
);

async function errorsOf(files: Record<string, string>): Promise<string[]> {
  const repo = await loadRepository(writeRepo({ ...BASE, ...files }));
  return repo.errors.length ? formatErrors(repo.errors, 'text').split('\n') : [];
}

describe('etcd fields of the kinds', () => {
  it('accepts an etcd policy on a Cluster with spec.etcd, with the type and TLS paths as written', async () => {
    const repo = await loadRepository(
      writeRepo({ ...BASE, 'clusters/cp.yaml': TLS_CLUSTER, 'policies/etcd.yaml': policy('etcd', '  type: etcd\n  cluster: cp\n  schedule: "@every 20m"\n  keep: 20\n') }),
    );
    expect(repo.errors).toEqual([]);
    expect(repo.policies[0].spec.type).toBe('etcd');
    expect(repo.clusters[0].spec.etcd).toEqual({
      endpoints: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'],
      tls: { caFileFromEnv: 'ETCD_CA', certFile: '/etc/etcd/client.crt', keyFile: '/etc/etcd/client.key' },
    });
  });

  it('a policy without type is of type resources', async () => {
    const repo = await loadRepository(writeRepo({ ...BASE, 'policies/p.yaml': policy('p', '  schedule: "@daily"\n') }));
    expect(repo.policies[0].spec.type).toBe('resources');
  });

  it('refuses the selection fields on an etcd policy, each at its own line', async () => {
    const spec = '  type: etcd\n  cluster: cp\n  includedNamespaces: [a]\n  labelSelector: {matchLabels: {app: web}}\n  includeClusterResources: false\n';
    expect(await errorsOf({ 'clusters/cp.yaml': TLS_CLUSTER, 'policies/e.yaml': policy('e', spec) })).toEqual([
      'policies/e.yaml:8:3: error: spec.includedNamespaces: a policy of type etcd snapshots the whole etcd database: remove includedNamespaces (selection fields apply to type resources only)',
      'policies/e.yaml:9:3: error: spec.labelSelector: a policy of type etcd snapshots the whole etcd database: remove labelSelector (selection fields apply to type resources only)',
      'policies/e.yaml:10:3: error: spec.includeClusterResources: a policy of type etcd snapshots the whole etcd database: remove includeClusterResources (selection fields apply to type resources only)',
    ]);
  });

  it('refuses an etcd policy whose Cluster has no spec.etcd, or that names no Cluster', async () => {
    const plain = `${API}\nkind: Cluster\nmetadata: {name: k}\nspec:\n  kubeconfig: /etc/kube.conf\n`;
    expect(await errorsOf({ 'clusters/k.yaml': plain, 'policies/e.yaml': policy('e', '  type: etcd\n  cluster: k\n') })).toEqual([
      'policies/e.yaml:7:12: error: spec.cluster: a policy of type etcd needs its Cluster to describe its etcd: Cluster "k" has no spec.etcd (endpoints, tls)',
    ]);
    expect(await errorsOf({ 'policies/e.yaml': policy('e', '  type: etcd\n') })).toEqual([
      "policies/e.yaml:6:9: error: spec.type: a policy of type etcd needs spec.cluster: the name of a Cluster with spec.etcd (its members' endpoints)",
    ]);
  });

  it('refuses a resources policy on a Cluster that only describes its etcd', async () => {
    expect(await errorsOf({ 'clusters/cp.yaml': TLS_CLUSTER, 'policies/r.yaml': policy('r', '  cluster: cp\n') })).toEqual([
      'policies/r.yaml:6:12: error: spec.cluster: Cluster "cp" describes only its etcd: a policy of type resources needs its API server (kubeconfig, kubeconfigFromEnv or inCluster), or set type: etcd',
    ]);
  });

  it('names TLS mistakes: both a path and its env var, a cert without a key, http with TLS, a bad URL, an unknown type', async () => {
    const bad = etcdCluster('bad', '    endpoints: [http://10.0.0.1:2379, "10.0.0.2:2379"]\n    tls:\n      caFile: /ca.crt\n      caFileFromEnv: CA\n      certFile: /c.crt\n');
    const errors = await errorsOf({ 'clusters/bad.yaml': bad, 'policies/t.yaml': policy('t', '  type: snapshot\n') });
    expect(errors).toEqual([
      'clusters/bad.yaml:6:17: error: spec.etcd.endpoints[0]: http://10.0.0.1:2379 is plain http but spec.etcd.tls is set: use https://',
      'clusters/bad.yaml:6:39: error: spec.etcd.endpoints[1]: "10.0.0.2:2379" must match the pattern ^https?://[^/\\s]+/?$',
      'clusters/bad.yaml:7:5: error: spec.etcd.tls: certFile is set without keyFile: client-certificate auth needs both',
      'clusters/bad.yaml:9:7: error: spec.etcd.tls.caFileFromEnv: set caFile or caFileFromEnv, not both',
      'policies/t.yaml:6:9: error: spec.type: must be one of resources, etcd (got the string "snapshot")',
    ]);
  });

  it('cairn validate exits 1 naming the file and line', () => {
    const dir = writeRepo({ ...BASE, 'clusters/cp.yaml': TLS_CLUSTER, 'policies/e.yaml': policy('e', '  type: etcd\n  cluster: cp\n  excludedResources: [events]\n') });
    const r = cairn(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('policies/e.yaml:8:3: error: spec.excludedResources: a policy of type etcd');
  });

  it('the RKE2 sample (samples/etcd) is a valid Cluster and etcd policy', async () => {
    const [clusterDoc, policyDoc] = readFileSync(join(ROOT, 'samples/etcd/rke2.yaml'), 'utf8').split('\n---\n');
    const repo = await loadRepository(writeRepo({ ...BASE, 'clusters/rke2.yaml': clusterDoc, 'policies/rke2.yaml': policyDoc }));
    expect(repo.errors).toEqual([]);
    expect(repo.policies.map((p) => [p.metadata.name, p.spec.type, p.spec.cluster])).toEqual([['rke2-prod-etcd', 'etcd', 'rke2-prod']]);
  });
});
