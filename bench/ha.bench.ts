// High availability and sharding (issue 20), with real processes: every replica is its own
// `cairn run --leader-elect` (bin/cairn.js), the simulators live in this process.
//
// 1. Throughput: 1,000 policies over 100 simulated clusters (100 API simulators, one namespace of
//    20 ConfigMaps each), one filesystem location, with 1, 2 and 4 shards (as many replicas).
//    After a warm-up round, a push changes every policy's `trigger` and each replica's webhook is
//    called: the figure is the time from the push until all 1,000 new backups are reported in
//    status commits.
// 2. Failover: three replicas with client-go's default timing (15s/10s/2s); the leader is
//    SIGKILLed; the figures are the time until another replica holds the Lease and until its
//    first tick has finished. Then the same with SIGTERM (the Lease is released).
// Run alone with `node bin/run-ts.js bench/ha.bench.ts [shards...]`, or via `npm run bench ha`.
import { freePort } from '../src/free-port.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../src/sim/index.ts';
import { connectCluster } from '../src/cluster/connect.ts';
import { LEASE_RESOURCE } from '../src/ha/lease-elector.ts';
import { git, humanCommit, makeRemote } from '../test/git/helpers.ts';
import { clusterDoc, statusCommits } from '../test/ha/fleet.ts';

const ROOT = join(import.meta.dirname, '..');
const POLICIES = 1000;
const CLUSTERS = 100;
const NOW = '2026-12-01T06:00:00Z';
const shardCounts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const SHARDS = shardCounts.length ? shardCounts : [1, 2, 4];

const root = mkdtempSync(join(tmpdir(), 'cairn-ha-bench-'));
const sims: Simulator[] = [];
const children: ChildProcess[] = [];


async function until(cond: () => boolean | Promise<boolean>, what: string, ms: number, every = 100): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

interface Replica {
  name: string;
  port: number;
  child: ChildProcess;
  /** Wall-clock ms of each "tick finished" log line. */
  ticks: number[];
  exited: Promise<void>;
}

function startReplica(name: string, repo: string, leaseKubeconfig: string, port: number, extra: string[]): Replica {
  const args = [join(ROOT, 'bin/cairn.js'), 'run', '--repo', repo, '--data-dir', join(root, 'data', name), '--kubeconfig', leaseKubeconfig, '--interval', '1h', '--now', NOW, '--listen', `127.0.0.1:${port}`, '--leader-elect', '--leader-elect-namespace', 'default', '--webhook-insecure', ...extra];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CAIRN_REPO: '', POD_NAME: name } });
  children.push(child);
  const replica: Replica = { name, port, child, ticks: [], exited: new Promise((done) => child.on('exit', () => done())) };
  let buf = '';
  child.stderr!.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.includes('"tick finished"')) replica.ticks.push(Date.now());
    }
  });
  return replica;
}

function policyYaml(i: number, trigger: string): string {
  return `apiVersion: cairn.dev/v1alpha1\nkind: BackupPolicy\nmetadata: {name: p${String(i).padStart(4, '0')}}\nspec:\n  cluster: c${String(i % CLUSTERS).padStart(3, '0')}\n  trigger: "${trigger}"\n  keep: 10\n  includedNamespaces: [app]\n`;
}

async function throughput(shards: number, clusterKubeconfigs: string[], leaseKubeconfig: string): Promise<void> {
  const backups = join(root, `backups-${shards}`);
  const files: Record<string, string> = {
    'locations/shared.yaml': `apiVersion: cairn.dev/v1alpha1\nkind: BackupLocation\nmetadata: {name: shared}\nspec:\n  default: true\n  provider: filesystem\n  filesystem: {path: ${backups}}\n`,
  };
  for (let c = 0; c < CLUSTERS; c++) files[`clusters/c${String(c).padStart(3, '0')}.yaml`] = clusterDoc(`c${String(c).padStart(3, '0')}`, clusterKubeconfigs[c]);
  for (let i = 0; i < POLICIES; i++) files[`policies/p${String(i).padStart(4, '0')}.yaml`] = policyYaml(i, 'warmup');
  const remote = makeRemote(root, files, { name: `fleet-${shards}` });
  const replicas: Replica[] = [];
  for (let i = 0; i < shards; i++) {
    replicas.push(startReplica(`cairn-${shards}-${i}`, remote.bare, leaseKubeconfig, await freePort(), ['--shards', String(shards), '--shard-index', String(i), '--leader-elect-lease-name', `bench${shards}`]));
  }
  const reported = (trigger: string) => {
    const done = new Set<string>();
    for (const c of statusCommits(remote)) for (const a of c.actions) if (a.startsWith('backup ') && a.endsWith(`-${trigger} Completed`)) done.add(a);
    return done.size;
  };
  await until(() => reported('warmup') >= POLICIES, `the warm-up round (${shards} shards)`, 3_600_000, 1000);
  const commitsBefore = statusCommits(remote).length;
  const changed: Record<string, string> = {};
  for (let i = 0; i < POLICIES; i++) changed[`policies/p${String(i).padStart(4, '0')}.yaml`] = policyYaml(i, 'measured');
  humanCommit(remote, changed, 'take a backup of every policy');
  const t0 = Date.now();
  await Promise.all(replicas.map((r) => fetch(`http://127.0.0.1:${r.port}/webhook`, { method: 'POST' })));
  await until(() => reported('measured') >= POLICIES, `the measured round (${shards} shards)`, 3_600_000, 250);
  const ms = Date.now() - t0;
  const commits = statusCommits(remote).length - commitsBefore;
  const pushes = git(remote.bare, 'reflog', 'show', '--format=%H', 'main').trim().split('\n').length;
  console.log(`shards=${shards}: ${POLICIES} backups in ${(ms / 1000).toFixed(1)} s = ${((POLICIES * 1000) / ms).toFixed(1)} backups/s; ${commits} status commits in the round (${pushes} ref updates in all)`);
  for (const r of replicas) r.child.kill('SIGTERM');
  await Promise.all(replicas.map((r) => r.exited));
}

async function failover(leaseKubeconfig: string, trials: number): Promise<void> {
  const client = await connectCluster({ kubeconfigPath: leaseKubeconfig, retry: { attempts: 1 } });
  const holder = async (lease: string) => ((await client.get(LEASE_RESOURCE, 'default', lease)) as { spec?: { holderIdentity?: string } } | undefined)?.spec?.holderIdentity ?? '';
  const backups = join(root, 'backups-failover');
  const remote = makeRemote(root, {
    'locations/shared.yaml': `apiVersion: cairn.dev/v1alpha1\nkind: BackupLocation\nmetadata: {name: shared}\nspec:\n  default: true\n  provider: filesystem\n  filesystem: {path: ${backups}}\n`,
    'clusters/c000.yaml': clusterDoc('c000', join(root, 'kube', 'c000.yaml')),
    'policies/p.yaml': policyYaml(0, 'once'),
  }, { name: 'failover' });
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    for (let t = 0; t < trials; t++) {
      const lease = `failover-${signal.toLowerCase()}-${t}`;
      const replicas: Replica[] = [];
      for (let i = 0; i < 3; i++) replicas.push(startReplica(`fo-${signal}-${t}-${i}`, remote.bare, leaseKubeconfig, await freePort(), ['--leader-elect-lease-name', lease]));
      await until(async () => (await holder(lease)) !== '', 'a leader', 120_000);
      const leaderName = (await holder(lease)).split('_')[0];
      const leader = replicas.find((r) => r.name === leaderName)!;
      await until(() => leader.ticks.length > 0, 'the first tick', 120_000);
      await new Promise((r) => setTimeout(r, 1000));
      const t0 = Date.now();
      leader.child.kill(signal);
      await until(async () => !(await holder(lease)).startsWith(`${leaderName}_`) && (await holder(lease)) !== '', 'a new holder', 120_000, 50);
      const held = Date.now() - t0;
      const newName = (await holder(lease)).split('_')[0];
      const successor = replicas.find((r) => r.name === newName)!;
      await until(() => successor.ticks.some((at) => at > t0), 'the new leader\'s first tick', 120_000, 50);
      const ticked = successor.ticks.find((at) => at > t0)! - t0;
      console.log(`failover ${signal} trial ${t + 1}: Lease taken after ${(held / 1000).toFixed(2)} s, first tick finished after ${(ticked / 1000).toFixed(2)} s`);
      for (const r of replicas) r.child.kill('SIGKILL');
      await Promise.all(replicas.map((r) => r.exited));
    }
  }
  client.close();
}

try {
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at start (shared, noisy)`);
  const objects = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } }, ...Array.from({ length: 20 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'app' }, data: { i: String(i), pad: 'x'.repeat(512) } }))];
  const clusterKubeconfigs: string[] = [];
  for (let c = 0; c < CLUSTERS; c++) {
    const sim = await startSimulator({ objects });
    sims.push(sim);
    const file = join(root, 'kube', `c${String(c).padStart(3, '0')}.yaml`);
    await sim.writeKubeconfig(file);
    clusterKubeconfigs.push(file);
  }
  const leaseSim = await startSimulator({});
  sims.push(leaseSim);
  const leaseKubeconfig = join(root, 'kube', 'leases.yaml');
  await leaseSim.writeKubeconfig(leaseKubeconfig);
  if (!process.env.HA_BENCH_SKIP_FAILOVER) await failover(leaseKubeconfig, Number(process.env.HA_BENCH_TRIALS ?? 2));
  if (!process.env.HA_BENCH_SKIP_THROUGHPUT) for (const shards of SHARDS) await throughput(shards, clusterKubeconfigs, leaseKubeconfig);
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`);
} finally {
  for (const c of children) c.kill('SIGKILL');
  for (const s of sims) await s.stop();
  rmSync(root, { recursive: true, force: true });
}
