// Restore benchmark (`npm run bench -- restore`): 10,000 objects restored from a backup into a
// fresh API simulator, against a plain sequential create of the same objects through the same
// kind of server (a fresh simulator each) in the same run. Target: at least 10 x the sequential
// rate, with the same end state (same object names per group-resource).
//
// Write latency: a real apiserver answers a write only after etcd has committed it (a raft round
// and an fsync, a few ms on SSD-backed etcd; etcd's own hardware guidance asks for WAL fsyncs
// under 10 ms at p99). That wait, not CPU, is what bounds a sequential restore and what
// concurrency overlaps. The headline runs use the simulator's `writeLatencyMs` of 5 ms; the same
// runs at 0 ms (every answer immediate, so both sides are CPU-bound on this 2-core machine) are
// reported too.
//
// Processes: the target simulators run in child processes (this file re-run with role "sim"),
// as an API server is its own process; the restore and the sequential creates run here. The
// client is connected as `cairn restore` connects (connectCluster defaults); the restore runs
// at runRestore's default concurrency unless RESTORE_CONCURRENCY is set.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { API_VERSION } from '../src/api/types.ts';
import { runBackup } from '../src/backup/run.ts';
import { connectCluster } from '../src/cluster/connect.ts';
import { startSimulator } from '../src/sim/index.ts';
import type { ClusterClient } from '../src/cluster/client.ts';
import type { ApiResource, KubeObject } from '../src/cluster/types.ts';
import { openLocation, type BackupStore } from '../src/storage/index.ts';
import { readVerifiedItems } from '../src/restore/read.ts';
import { prepareItems } from '../src/restore/items.ts';
import { planSteps } from '../src/restore/order.ts';
import { ResourceResolver } from '../src/restore/resources.ts';
import { runRestore } from '../src/restore/run.ts';

const COUNT = 10_000;
const NAMESPACES = 20;
/** Apply concurrency: runRestore's default unless overridden (to compare settings). */
const CONCURRENCY = process.env.RESTORE_CONCURRENCY ? Number(process.env.RESTORE_CONCURRENCY) : undefined;
/** Simulated etcd commit latencies, in ms: the realistic one first, then none. */
const LATENCIES = (process.env.WRITE_LATENCIES ?? '5,0').split(',').map(Number);
const REPS = Number(process.env.REPS ?? 3);

/** 10,000 objects over four priority steps: configmaps, secrets, service accounts, services. */
function objects(): KubeObject[] {
  const out: KubeObject[] = [];
  for (let n = 0; n < NAMESPACES; n++) out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-${n}`, labels: { bench: 'restore' } } });
  for (let i = 0; out.length < COUNT; i++) {
    const namespace = `bench-${i % NAMESPACES}`;
    const name = `obj-${String(i).padStart(5, '0')}`;
    const labels = { app: `app-${i % 7}` };
    switch (i % 10) {
      case 0:
        out.push({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, labels }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } });
        break;
      case 1:
        out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels } });
        break;
      case 2:
      case 3:
        out.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels }, type: 'Opaque', data: { password: Buffer.from(`secret-${i}`).toString('base64') } });
        break;
      default:
        out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: { 'settings.yaml': `replicas: ${i % 5}\nimage: registry.example/app-${i % 7}:1.${i % 13}.0\n`, note: `object ${i}` } });
    }
  }
  return out;
}

// ---- child: an empty simulator -----------------------------------------------------------
async function simRole(writeLatencyMs: number): Promise<void> {
  const sim = await startSimulator({ writeLatencyMs });
  process.stdout.write(`${JSON.stringify({ kubeconfig: sim.kubeconfig() })}\n`);
  // On SIGTERM, report the CPU the server spent, so the client/server split is visible.
  process.on('SIGTERM', () => {
    const cpu = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
    void sim.stop().then(() => process.exit(0));
  });
}

interface SimChild {
  child: ChildProcess;
  client: ClusterClient;
  lines: AsyncIterator<string>;
}

async function freshSimulator(writeLatencyMs: number): Promise<SimChild> {
  const child = spawn(process.execPath, [join('bin', 'run-ts.js'), 'bench/restore.bench.ts', 'sim', String(writeLatencyMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error('the simulator exited before it was ready');
  const { kubeconfig } = JSON.parse(first.value) as { kubeconfig: string };
  const client = await connectCluster({ kubeconfigYaml: kubeconfig });
  return { child, client, lines };
}

/** Stops the simulator; returns the CPU milliseconds its process used. */
async function stopSimulator(sim: SimChild): Promise<number> {
  sim.client.close();
  const exited = new Promise<void>((resolve) => sim.child.once('exit', () => resolve()));
  sim.child.kill('SIGTERM');
  const report = await sim.lines.next();
  await exited;
  return report.done ? NaN : (JSON.parse(report.value) as { cpuMs: number }).cpuMs;
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

/** Names per group-resource in the bench namespaces (and the namespaces themselves). */
async function endState(client: ClusterClient): Promise<Map<string, string[]>> {
  const state = new Map<string, string[]>();
  const resolver = new ResourceResolver(client);
  for (const gr of ['namespaces', 'configmaps', 'secrets', 'serviceaccounts', 'services']) {
    const res = (await resolver.find(gr))!;
    const names: string[] = [];
    for await (const o of client.list(res)) {
      const ns = o.metadata.namespace;
      if (gr === 'namespaces' ? o.metadata.name.startsWith('bench-') : ns?.startsWith('bench-')) names.push(`${ns ?? ''}/${o.metadata.name}`);
    }
    state.set(gr, names.sort());
  }
  return state;
}

/** The same prepared objects the restore creates, in the same order. */
async function restoreObjects(store: BackupStore, backup: string): Promise<{ groupResource: string; object: KubeObject }[]> {
  const fetched = await store.fetchResources(backup);
  try {
    const { items } = await readVerifiedItems(backup, fetched.path, await store.readIndex(backup), () => true);
    const prepared = prepareItems(items, {});
    return planSteps(prepared.items).flatMap((s) => s.items.map((i) => ({ groupResource: i.groupResource, object: i.object })));
  } finally {
    await fetched.cleanup();
  }
}

interface Run {
  seconds: number;
  clientCpu: number;
  serverCpu: number;
  state: Map<string, string[]>;
  phase?: string;
  phases?: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One create after another, through the same client, into a fresh simulator. */
async function sequentialRun(objs: { groupResource: string; object: KubeObject }[], latency: number): Promise<Run> {
  const sim = await freshSimulator(latency);
  const resolver = new ResourceResolver(sim.client);
  const refs = new Map<string, ApiResource>();
  for (const gr of new Set(objs.map((o) => o.groupResource))) refs.set(gr, (await resolver.find(gr))!);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const o of objs) await sim.client.create(refs.get(o.groupResource)!, o.object);
  const seconds = (performance.now() - t0) / 1000;
  const clientCpu = cpuMs(c0);
  const state = await endState(sim.client);
  return { seconds, clientCpu, serverCpu: await stopSimulator(sim), state };
}

/** The restore: fetch, verify, filter, prepare, safety backup, ordered concurrent apply. */
async function restoreRun(store: BackupStore, latency: number): Promise<Run> {
  const sim = await freshSimulator(latency);
  const c1 = process.cpuUsage();
  const t1 = performance.now();
  // Phase marks from progress: items planned (fetched, verified, prepared), first 100 applied.
  let plannedAt = NaN;
  let applyingAt = NaN;
  const result = await runRestore({
    request: { metadata: { name: `bench-restore-${Date.now()}` }, spec: { backupName: 'bench-1' } },
    store,
    client: sim.client,
    clusterName: 'target',
    concurrency: CONCURRENCY,
    onProgress: (p) => {
      if (Number.isNaN(plannedAt) && p.itemsTotal > 0) plannedAt = performance.now();
      if (Number.isNaN(applyingAt) && p.itemsDone > 0) applyingAt = performance.now();
    },
  });
  const end = performance.now();
  const clientCpu = cpuMs(c1);
  const phases = `fetch+verify+prepare ${((plannedAt - t1) / 1000).toFixed(2)} s, safety backup ${((applyingAt - plannedAt) / 1000).toFixed(2)} s, apply ${((end - applyingAt) / 1000).toFixed(2)} s`;
  const state = await endState(sim.client);
  return { seconds: (end - t1) / 1000, clientCpu, serverCpu: await stopSimulator(sim), state, phase: result.phase, phases };
}

/** Sequential create versus restore at one write latency; false when the end states differ. */
async function compare(store: BackupStore, seqObjects: { groupResource: string; object: KubeObject }[], latency: number): Promise<boolean> {
  console.log(`\n-- write latency ${latency} ms`);
  // The machine is shared: runs alternate sequential / restore, and medians are reported.
  const runs: { seq: Run; restore: Run }[] = [];
  let same = true;
  for (let rep = 0; rep < REPS; rep++) {
    const seq = await sequentialRun(seqObjects, latency);
    const restore = await restoreRun(store, latency);
    same &&= JSON.stringify([...seq.state]) === JSON.stringify([...restore.state]) && restore.phase === 'Completed';
    runs.push({ seq, restore });
    console.log(
      `run ${rep + 1}: sequential ${seq.seconds.toFixed(2)} s, restore ${restore.seconds.toFixed(2)} s (${restore.phases}); CPU ms client/simulator: sequential ${seq.clientCpu.toFixed(0)}/${seq.serverCpu.toFixed(0)}, restore ${restore.clientCpu.toFixed(0)}/${restore.serverCpu.toFixed(0)}`,
    );
  }
  const seqS = median(runs.map((r) => r.seq.seconds));
  const restoreS = median(runs.map((r) => r.restore.seconds));
  const count = [...runs[0].restore.state.values()].reduce((n, v) => n + v.length, 0);
  const seqRate = seqObjects.length / seqS;
  const restoreRate = COUNT / restoreS;
  console.log(`sequential create (median of ${REPS}): ${seqObjects.length} objects in ${seqS.toFixed(2)} s = ${seqRate.toFixed(0)} objects/s`);
  console.log(
    `restore (median of ${REPS}):           ${COUNT} objects in ${restoreS.toFixed(2)} s = ${restoreRate.toFixed(0)} objects/s (concurrency ${CONCURRENCY ?? 'default'}, with fetch, verify and the pre-restore backup)`,
  );
  console.log(
    `speed-up at ${latency} ms: ${(restoreRate / seqRate).toFixed(1)} x (target >= 10 x); end state: ${count} objects, ${same ? 'same names as the sequential run in every run' : 'DIFFERENT from the sequential run'}`,
  );
  return same;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-restore-bench-'));
  try {
    const store = await openLocation(
      { apiVersion: API_VERSION, kind: 'BackupLocation', metadata: { name: 'bench' }, spec: { provider: 'filesystem', filesystem: { path: join(dir, 'store') } }, source: { file: 'bench', line: 1, col: 1 } },
      {},
    );
    // The backup to restore: 10,000 objects from a source simulator.
    const source = await startSimulator({ objects: objects() });
    const sourceClient = await connectCluster({ kubeconfigYaml: source.kubeconfig() });
    const manifest = await runBackup({ client: sourceClient, store, name: 'bench-1', policy: 'bench', location: 'bench', clusterName: 'source', selection: { includedNamespaces: ['bench-*'] } });
    sourceClient.close();
    await source.stop();
    console.log(`backup bench-1: ${manifest.phase}, ${manifest.totalItems} items`);

    const seqObjects = await restoreObjects(store, 'bench-1');
    let allSame = true;
    for (const latency of LATENCIES) allSame = (await compare(store, seqObjects, latency)) && allSame;
    if (!allSame) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'sim') await simRole(Number(process.argv[3] ?? 0));
else await main();
