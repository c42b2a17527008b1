// `cairn run --leader-elect` as three real processes against one policy repository, one
// filesystem location and the simulator holding the Lease: the leader is SIGKILLed and another
// takes over; a SIGTERMed leader releases the Lease so the last one takes over at once.
import { freePort } from '../../src/free-port.ts';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import { connectCluster, type ClusterClient } from '../../src/cluster/connect.ts';
import { LEASE_RESOURCE } from '../../src/ha/lease-elector.ts';
import { humanCommit, makeRemote, nonFastForwards, tempRoot } from '../git/helpers.ts';
import { policyDoc, statusCommits, storedBackups, until } from './fleet.ts';

const ROOT = join(import.meta.dirname, '../..');
const NOW = '2026-12-01T06:00:30Z';

let sim: Simulator;
let root: string;
let cleanup: () => void;
let kubeconfig: string;
let client: ClusterClient;
beforeAll(async () => {
  ({ root, cleanup } = tempRoot());
  sim = await startSimulator({ seedDir: join(ROOT, 'samples/cluster') });
  kubeconfig = join(root, 'kubeconfig.yaml');
  await sim.writeKubeconfig(kubeconfig);
  client = await connectCluster({ kubeconfigPath: kubeconfig, retry: { attempts: 1 } });
});
afterAll(async () => {
  client?.close();
  await sim?.stop();
  cleanup?.();
});


interface Proc {
  name: string;
  port: number;
  stderr: () => string;
  kill: (s: NodeJS.Signals) => void;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

function start(name: string, port: number, repo: string, backups: string): Proc {
  const args = [
    join(ROOT, 'bin/cairn.js'), 'run', '--repo', repo, '--data-dir', join(root, `${name}-data`), '--kubeconfig', kubeconfig,
    '--interval', '1s', '--now', NOW, '--listen', `127.0.0.1:${port}`, '--log-level', 'info',
    '--leader-elect', '--leader-elect-namespace', 'default',
    '--leader-elect-lease-duration', '3s', '--leader-elect-renew-deadline', '2s', '--leader-elect-retry-period', '250ms',
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CAIRN_REPO: '', POD_NAME: name, BACKUPS: backups } });
  let stderr = '';
  child.stdout.on('data', () => undefined);
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  return { name, port, stderr: () => stderr, kill: (s) => child.kill(s), exited };
}

async function holder(): Promise<string> {
  const lease = (await client.get(LEASE_RESOURCE, 'default', 'cairn')) as { spec?: { holderIdentity?: string } } | undefined;
  return lease?.spec?.holderIdentity ?? '';
}

async function readyz(p: Proc): Promise<string> {
  return (await fetch(`http://127.0.0.1:${p.port}/readyz`)).text().catch(() => 'down');
}

describe('cairn run --leader-elect, three processes', () => {
  it('only the holder acts; a killed leader is replaced, a stopped one hands over at once', async () => {
    const backups = join(root, 'backups');
    const remote = makeRemote(root, {
      'locations/shared.yaml': `apiVersion: cairn.dev/v1alpha1\nkind: BackupLocation\nmetadata: {name: shared}\nspec:\n  default: true\n  provider: filesystem\n  filesystem: {path: ${backups}}\n`,
      'policies/p0.yaml': policyDoc('p0', undefined, 'team-a'),
    });
    const procs: Proc[] = [];
    for (const name of ['cairn-0', 'cairn-1', 'cairn-2']) procs.push(start(name, await freePort(), remote.bare, backups));
    const byHolder = async () => {
      const name = (await holder()).split('_')[0];
      return procs.find((p) => p.name === name);
    };
    try {
      await until(async () => (await holder()) !== '', 'a leader', 60_000);
      const first = (await byHolder())!;
      await until(() => statusCommits(remote).some((c) => c.actions.includes('backup p0-20261201060000 Completed')), 'the first backup', 60_000);
      await until(async () => (await readyz(first)) === 'ready\n', 'the leader ready', 30_000);
      const standbys = procs.filter((p) => p !== first);
      for (const p of standbys) await until(async () => (await readyz(p)) === 'standby\n', `${p.name} standby`, 30_000);
      const status = await (await fetch(`http://127.0.0.1:${standbys[0].port}/status`)).json();
      expect(status.leaderElection).toMatchObject({ role: 'standby', namespace: 'default', leases: [{ lease: 'cairn', leading: false }] });
      expect(status.leaderElection.leases[0].holder.startsWith(`${first.name}_`)).toBe(true);

      // Kill the leader outright: no release, its Lease has to expire.
      first.kill('SIGKILL');
      await first.exited;
      await until(async () => ['cairn-1', 'cairn-2', 'cairn-0'].filter((n) => n !== first.name).includes((await holder()).split('_')[0]), 'a new leader', 60_000);
      const second = (await byHolder())!;
      // The new leader acts: a policy pushed now is backed up by it.
      humanCommit(remote, { 'policies/p1.yaml': policyDoc('p1', undefined, 'team-a') }, 'add p1');
      await until(() => statusCommits(remote).some((c) => c.actions.includes('backup p1-20261201060000 Completed')), 'p1 backed up by the new leader', 60_000);
      expect(await (await fetch(`http://127.0.0.1:${second.port}/metrics`)).text()).toMatch(/^cairn_leader\{lease="cairn"\} 1$/m);

      // SIGTERM: the leader stops, releases the Lease, and the last replica takes it without
      // waiting for it to expire.
      second.kill('SIGTERM');
      const stopped = await second.exited;
      expect(stopped.code, second.stderr()).toBe(0);
      expect(second.stderr()).toContain('lease released');
      const third = procs.find((p) => p !== first && p !== second)!;
      await until(async () => (await holder()).startsWith(`${third.name}_`), 'the last replica to lead', 30_000);
      humanCommit(remote, { 'policies/p2.yaml': policyDoc('p2', undefined, 'team-a') }, 'add p2');
      await until(() => statusCommits(remote).some((c) => c.actions.includes('backup p2-20261201060000 Completed')), 'p2 backed up by the last replica', 60_000);
    } finally {
      for (const p of procs) p.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
    }
    // Each backup once, in storage and in the audit trail; only fast-forwards on the remote.
    const backupActions = statusCommits(remote).flatMap((c) => c.actions).filter((a) => a.startsWith('backup ') && !a.endsWith(' Skipped'));
    expect(backupActions.sort()).toEqual(['backup p0-20261201060000 Completed', 'backup p1-20261201060000 Completed', 'backup p2-20261201060000 Completed']);
    expect(storedBackups(backups)).toEqual(['p0-20261201060000', 'p1-20261201060000', 'p2-20261201060000']);
    expect(nonFastForwards(remote.bare)).toEqual([]);
  }, 240_000);
});
