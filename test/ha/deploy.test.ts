// deploy/ and deploy/sharded/ checked without a real cluster (`kubectl apply --dry-run=server` is
// not available here): every document is created, unchanged, in the API simulator through
// client-node, the kustomizations name files that exist, every flag the containers pass is one
// `cairn run` knows, and the pieces fit: the Lease Role is bound to the pods' service account in
// their namespace, --shards matches the StatefulSet's replicas, the probes hit served paths.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import { registerEngine } from '../../src/cli/engine.ts';
import { leaderElection } from '../../src/ha/options.ts';

const DEPLOY = join(import.meta.dirname, '../../deploy');
type Doc = Record<string, any>;

function readDocs(file: string): Doc[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    expect(d.errors, file).toEqual([]);
    return d.toJS() as Doc;
  }).filter((d) => d);
}

/** What `kubectl apply -k dir` would send (resources and `$patch: delete` patches; nothing else is used). */
function kustomize(dir: string): Doc[] {
  const k = readDocs(join(dir, 'kustomization.yaml'))[0];
  let docs: Doc[] = [];
  for (const r of k.resources as string[]) {
    const path = join(dir, r);
    expect(existsSync(path), `${dir}/kustomization.yaml names ${r}`).toBe(true);
    docs.push(...(statSync(path).isDirectory() ? kustomize(path) : readDocs(path)));
  }
  for (const p of (k.patches ?? []) as { patch: string }[]) {
    const doc = parseAllDocuments(p.patch)[0].toJS() as Doc;
    expect(doc.$patch).toBe('delete');
    const before = docs.length;
    docs = docs.filter((d) => !(d.kind === doc.kind && d.metadata.name === doc.metadata.name && d.metadata.namespace === doc.metadata.namespace));
    expect(docs.length, `the patch deletes ${doc.kind}/${doc.metadata.name}`).toBe(before - 1);
  }
  return docs;
}

function runFlags(): Set<string> {
  const program = new Command();
  registerEngine(program);
  const run = program.commands.find((c) => c.name() === 'run')!;
  return new Set(run.options.map((o) => o.long!));
}

let sim: Simulator;
let objects: k8s.KubernetesObjectApi;
beforeAll(async () => {
  sim = await startSimulator({});
  const kc = new k8s.KubeConfig();
  kc.loadFromString(sim.kubeconfig());
  objects = k8s.KubernetesObjectApi.makeApiClient(kc);
});
afterAll(async () => {
  await sim?.stop();
});

const VARIANTS = [
  { name: 'deploy/ (Deployment, leader election)', dir: DEPLOY, workload: 'Deployment' },
  { name: 'deploy/sharded/ (StatefulSet, shards)', dir: join(DEPLOY, 'sharded'), workload: 'StatefulSet' },
];

describe.each(VARIANTS)('$name', ({ dir, workload }) => {
  const docs = kustomize(dir);
  const workloads = docs.filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet');
  const w = workloads[0];
  const pod = w?.spec.template.spec;
  const container = pod?.containers[0];

  it('holds one workload of the expected kind', () => {
    expect(workloads.map((d) => d.kind)).toEqual([workload]);
  });

  it('is accepted by the simulator, object by object, namespaces first', async () => {
    const ordered = [...docs.filter((d) => d.kind === 'Namespace'), ...docs.filter((d) => d.kind !== 'Namespace')];
    for (const d of ordered) {
      const existing = await objects.read(d as k8s.KubernetesObject & { metadata: { name: string } }).catch(() => undefined);
      // The shared objects of deploy/ were created by the first variant already.
      if (existing) continue;
      await expect(objects.create(d as k8s.KubernetesObject), `${d.kind}/${d.metadata.name}`).resolves.toMatchObject({ kind: d.kind });
    }
  });

  it('passes only flags `cairn run` knows, with --leader-elect, and values it accepts', () => {
    const known = runFlags();
    const args = container.args as string[];
    expect(args[0]).toBe('run');
    for (const a of args.filter((x) => x.startsWith('--'))) expect(known.has(a.split('=')[0]), a).toBe(true);
    expect(args).toContain('--leader-elect');
    const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
    const env = Object.fromEntries((container.env as Doc[]).map((e) => [e.name, e]));
    expect(env.POD_NAME.valueFrom.fieldRef.fieldPath).toBe('metadata.name');
    // What the flags resolve to for the first pod, as cairn would read them.
    const resolved = leaderElection({ leaderElect: true, ...(value('--shards') ? { shards: value('--shards') } : {}) }, { POD_NAME: `${w.metadata.name}-0` });
    expect(resolved?.timing).toEqual({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
    if (workload === 'StatefulSet') {
      expect(Number(value('--shards'))).toBe(w.spec.replicas);
      expect(resolved?.shards).toEqual({ count: w.spec.replicas, home: 0 });
      const governing = docs.find((d) => d.kind === 'Service' && d.metadata.name === w.spec.serviceName);
      expect(governing?.spec.clusterIP).toBe('None');
      expect(w.spec.podManagementPolicy).toBe('Parallel');
    } else {
      expect(w.spec.replicas).toBeGreaterThanOrEqual(2);
      expect(w.spec.strategy.type).toBe('RollingUpdate');
    }
  });

  it('lets the pods hold Leases in their own namespace, and nothing shares a ReadWriteOnce volume', () => {
    const ns = w.metadata.namespace;
    const sa = pod.serviceAccountName;
    const roles = docs.filter((d) => d.kind === 'Role' && d.metadata.namespace === ns);
    const bound = docs.filter((d) => d.kind === 'RoleBinding' && d.metadata.namespace === ns && d.subjects.some((s: Doc) => s.kind === 'ServiceAccount' && s.name === sa && s.namespace === ns));
    const verbs = new Set<string>();
    for (const b of bound) {
      const role = roles.find((r) => r.metadata.name === b.roleRef.name && b.roleRef.kind === 'Role');
      for (const rule of role?.rules ?? []) if (rule.apiGroups.includes('coordination.k8s.io') && rule.resources.includes('leases')) rule.verbs.forEach((v: string) => verbs.add(v));
    }
    for (const v of ['get', 'create', 'update']) expect(verbs.has(v), `leases ${v}`).toBe(true);
    expect(docs.some((d) => d.kind === 'ServiceAccount' && d.metadata.name === sa && d.metadata.namespace === ns)).toBe(true);
    expect(pod.volumes.filter((v: Doc) => v.persistentVolumeClaim)).toEqual([]);
  });

  it('runs the same pod as the Deployment, but for the shard flags', () => {
    const deployment = kustomize(DEPLOY).find((d) => d.kind === 'Deployment')!.spec.template;
    const mine = structuredClone(w.spec.template);
    const args = mine.spec.containers[0].args as string[];
    if (args.includes('--shards')) args.splice(args.indexOf('--shards'), 2);
    expect(mine).toEqual(deployment);
  });

  it('probes paths the server answers, on a declared port', () => {
    const ports = new Set((container.ports as Doc[]).map((p) => p.name));
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    for (const probe of [container.readinessProbe, container.livenessProbe]) expect(ports.has(probe.httpGet.port)).toBe(true);
    expect(readdirSync(dir)).toContain('kustomization.yaml');
  });
});
