// The embedded demo (`npm start`): the whole engine on a fresh machine, no network, no cluster,
// no S3. A simulated clock advances (no sleeping) so schedules fire and retention marks, then
// deletes after the grace period; pull requests are stood in for by commits to the local remote.
// Every step is a real tick of the real engine against real parts.
import { rfc3339 } from '../schedule/naming.ts';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { startSimulator, type Simulator } from '../sim/index.ts';
import { connectCluster } from '../cluster/connect.ts';
import { engineConfig } from '../engine/config.ts';
import { Engine, type TickResult } from '../engine/engine.ts';
import { bodyLine } from '../engine/report.ts';
import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import { humanCommit, seedRepository, type S3Override, type SeededRepo } from './seed.ts';
import { demoEtcdCluster, ETCD_EXAMPLE_FILES, startDemoEtcd } from './etcd.ts';

export interface DemoOptions {
  /** Working directory of the demo; wiped and recreated. */
  dir: string;
  /** Where the simulated clock starts (UTC). */
  start: Date;
  /** The example policy repository to seed from (policies/). */
  policiesDir: string;
  /** The simulated cluster's seed (samples/cluster/). */
  samplesDir: string;
  /**
   * The RestoreRequest the demo merges at step 7 (default samples/restores/rollback-release.yaml,
   * next to samplesDir). It is kept out of policies/ on purpose: a copy of the example repository
   * must never restore into a cluster by itself.
   */
  restoreRequestFile?: string;
  s3?: S3Override;
  /** Progress lines for the user. */
  say: (line: string) => void;
  logger?: Logger;
}

export interface DemoResult {
  repo: SeededRepo;
  dataDir: string;
  /** The engine's clone of the policy repository (a work tree for `cairn backups --repo`). */
  workdir: string;
  ticks: { label: string; at: string; result: TickResult }[];
  /** Passphrase the demo set for the encrypted location (demo only). */
  passphrase: string;
  kubeconfig: string;
  sim: Simulator;
  /** The engine that ran the ticks (`cairn start --serve` keeps it serving). */
  engine: Engine;
}

const HOUR = 3_600_000;

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const { say } = opts;
  await rm(opts.dir, { recursive: true, force: true });
  await mkdir(opts.dir, { recursive: true });

  say(`1/7 seeding a local Git remote from ${opts.policiesDir}/ …`);
  const repo = await seedRepository(opts.dir, opts.policiesDir, opts.s3);

  say(`2/7 starting the Kubernetes API simulator seeded from ${opts.samplesDir}/ …`);
  const sim = await startSimulator({ seedDir: opts.samplesDir });
  const kubeconfig = join(opts.dir, 'kubeconfig.yaml');
  await sim.writeKubeconfig(kubeconfig);

  const dataDir = join(opts.dir, 'data');
  const workdir = join(dataDir, 'repo');
  const passphrase = 'cairn-demo-passphrase (demo only; use a secret in production)';
  let now = opts.start;
  const engine = new Engine(
    engineConfig({
      repoUrl: repo.bare,
      dataDir,
      workdir,
      kubeconfig,
      // The demo's small inventory would cap deletions at 1 per tick; 5 keeps the story short.
      maxDeletionsPerTick: 5,
      env: { ...process.env, PROD_KUBECONFIG: kubeconfig, CAIRN_PASSPHRASE: passphrase },
      now: () => now,
      logger: opts.logger ?? silentLogger,
    }),
  );
  const ticks: DemoResult['ticks'] = [];
  const tick = async (label: string) => {
    const result = await engine.tick();
    ticks.push({ label, at: now.toISOString(), result });
    say(`   [${rfc3339(now)}] ${label}: ${result.results.length} action(s)${result.commit ? `, status commit ${result.commit.slice(0, 8)}` : ', nothing to commit'}`);
    for (const r of result.results) say(`      ${bodyLine(r)}`);
    for (const b of result.plan.blocked) say(`      blocked: ${b.message}`);
    return result;
  };

  try {
    say('3/7 first tick: every policy takes its first backup');
    await tick('first tick');

    say('4/7 the clock advances: "@every 20m" fires on each slot, the others are not due');
    for (let i = 1; i <= 3; i++) {
      now = new Date(opts.start.getTime() + i * 20 * 60_000);
      await tick(`+${i * 20}m`);
    }

    say('5/7 a pull request shrinks etcd-like to keep: 2 — retention marks, it does not delete');
    await humanCommit(repo, { 'policies/etcd-like.yaml': await withField(join(repo.human, 'policies/etcd-like.yaml'), ['spec', 'keep'], 2) }, 'etcd-like: keep only the 2 newest backups');
    now = new Date(opts.start.getTime() + 65 * 60_000);
    await tick('after the merge');
    now = new Date(opts.start.getTime() + 2 * HOUR);
    await tick('+2h, still within the 24h grace period');
    now = new Date(opts.start.getTime() + 26 * HOUR);
    await tick('+26h, the grace period has passed');

    say('6/7 a bad upgrade: the Management object is moved to release kcm-1-2-0 (the simulated cluster only)');
    const client = await connectCluster({ kubeconfigPath: kubeconfig });
    await client.patch({ group: 'k0rdent.mirantis.com', version: 'v1alpha1', resource: 'managements', namespaced: false }, undefined, 'kcm', { spec: { release: 'kcm-1-2-0' } }, 'merge');
    client.close();

    say('7/7 a pull request adds restores/rollback-release.yaml — cairn restores with the /spec/release modifier');
    const request = await readFile(opts.restoreRequestFile ?? join(dirname(opts.samplesDir), 'restores', 'rollback-release.yaml'), 'utf8');
    await humanCommit(repo, { 'restores/rollback-release.yaml': request }, 'Roll back the kcm release');
    now = new Date(now.getTime() + 5 * 60_000);
    await tick('after the merge');
    now = new Date(now.getTime() + 5 * 60_000);
    await tick('one more tick: the restore is not run again');

    await etcdStep(opts, repo, () => (now = new Date(now.getTime() + 5 * 60_000)), tick);
  } catch (err) {
    await sim.stop();
    throw err;
  }
  return { repo, dataDir, workdir, ticks, passphrase, kubeconfig, sim, engine };
}

async function withField(file: string, path: string[], value: unknown): Promise<string> {
  const doc = parseDocument(await readFile(file, 'utf8'));
  doc.setIn(path, value);
  return doc.toString();
}

/** The control plane's etcd: snapshotted when an etcd binary is installed, else skipped in one line. */
async function etcdStep(opts: DemoOptions, repo: SeededRepo, advance: () => void, tick: (label: string) => Promise<TickResult>): Promise<void> {
  const etcd = await startDemoEtcd(join(opts.dir, 'etcd'));
  if (!etcd) {
    opts.say('etcd: skipped — no etcd binary on PATH (apt-get install etcd-server to see cairn snapshot a control plane)');
    return;
  }
  try {
    opts.say(`etcd: a pull request adds an etcd policy (type: etcd) for the control plane — a local etcd at ${etcd.endpoint} stands in for it`);
    const [clusterFile, policyFile] = ETCD_EXAMPLE_FILES;
    const cluster = demoEtcdCluster(await readFile(join(opts.policiesDir, clusterFile), 'utf8'), etcd.endpoint);
    // The example is suspended until its endpoints are real; here they are.
    const policy = await withField(join(opts.policiesDir, policyFile), ['spec', 'suspend'], false);
    await humanCommit(repo, { [clusterFile]: cluster, [policyFile]: policy }, 'Snapshot the control plane\'s etcd');
    advance();
    await tick('etcd snapshot after the merge');
  } finally {
    await etcd.stop();
  }
}
