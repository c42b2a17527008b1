// The reconciler's commands as a user runs them: `node bin/cairn.js` as a real process against a
// bare Git repository, filesystem storage and the API simulator (through a kubeconfig file).
// `cairn plan|reconcile --once|audit|run`, exit codes (DESIGN §8) and the SIGTERM stop of `run`.
import { freePort } from '../../src/free-port.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import type { KubeObject } from '../../src/cluster/types.ts';
import { git, humanCommit, makeRemote, nonFastForwards, type Remote } from '../git/helpers.ts';
import { LOCAL_LOCATION, useSampleCluster } from './fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const NOW = '2026-11-21T06:00:00Z';

const LOCATION = LOCAL_LOCATION;

function policy(name: string, namespace: string): string {
  return `apiVersion: cairn.dev/v1alpha1
kind: BackupPolicy
metadata: {name: ${name}}
spec:
  schedule: "@every 20m"
  keep: 3
  includedNamespaces: [${namespace}]
`;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Child {
  stdout: () => string;
  stderr: () => string;
  kill: (signal: NodeJS.Signals) => void;
  exited: Promise<Run>;
}

function start(args: string[], cwd: string): Child {
  const child = spawn(process.execPath, [join(ROOT, 'bin/cairn.js'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CAIRN_REPO: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<Run>((done) => child.on('exit', (code, signal) => done({ code, signal, stdout, stderr })));
  return { stdout: () => stdout, stderr: () => stderr, kill: (s) => child.kill(s), exited };
}

function cairn(args: string[], cwd: string): Promise<Run> {
  return start(args, cwd).exited;
}


async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, child: Child, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr:\n${child.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Backups in a filesystem location with their objects (temporary files included: a write cut
 * short would show). A folder left empty holds no object, so it is no backup and not listed.
 */
function backupDirs(storage: string): Map<string, string[]> {
  const dir = join(storage, 'backups');
  const out = new Map<string, string[]>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const files = readdirSync(join(dir, name));
    if (files.length > 0) out.set(name, files);
  }
  return out;
}

let root: string;
let kubeconfig: string;
useSampleCluster((c) => ({ root, kubeconfig } = c));

describe('cairn plan, reconcile --once and audit', () => {
  let remote: Remote;
  let dataDir: string;
  const common = () => ['--data-dir', dataDir, '--kubeconfig', kubeconfig, '--now', NOW];
  // plan touches no cluster: it has no --kubeconfig (one meaning per flag, issue 21).
  const planArgs = () => ['--data-dir', dataDir, '--now', NOW];

  beforeAll(() => {
    remote = makeRemote(root, { 'locations/local.yaml': LOCATION, 'policies/teams.yaml': policy('teams', 'team-a') }, { name: 'cli' });
    dataDir = join(root, 'cli-data');
    // An existing (empty) data directory: one that does not exist at all blocks its relative
    // filesystem locations instead of reading them as empty (issue 21).
    mkdirSync(dataDir);
  });

  it('plan exits 2 with changes and prints them as text, JSON and a Markdown table', async () => {
    const text = await cairn(['plan', '--repo', remote.human, ...planArgs(), '-o', 'text', '--detailed-exitcode'], root);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/^Plan at [0-9a-f]{12} \(2026-11-21T06:00:00Z\): 1 backup/);
    expect(text.stdout).toContain('teams-20261121060000');

    const json = await cairn(['plan', '--repo', remote.human, ...planArgs(), '-o', 'json', '--detailed-exitcode'], root);
    expect(json.code).toBe(2);
    const plan = JSON.parse(json.stdout);
    expect(plan.revision).toBe(git(remote.human, 'rev-parse', 'HEAD').trim());
    expect(plan.summary.total).toBe(1);
    expect(plan.actions).toEqual([expect.objectContaining({ type: 'backup', policy: 'teams', location: 'local', backupName: 'teams-20261121060000', scheduledTime: NOW })]);

    const md = await cairn(['plan', '--repo', remote.human, ...planArgs(), '--output', 'markdown', '--detailed-exitcode'], root);
    expect(md.code).toBe(2);
    const lines = md.stdout.split('\n');
    expect(lines).toContain('| Action | Target | Location | Reason |');
    expect(lines).toContain('| --- | --- | --- | --- |');
    expect(lines.find((l) => l.startsWith('| backup |'))).toBe('| backup | `teams-20261121060000` | local | slot 2026-11-21 06:00 has no backup |');

    // Without --detailed-exitcode a plan with changes is a success.
    expect((await cairn(['plan', '--repo', remote.human, ...planArgs()], root)).code).toBe(0);
  });

  it('plan exits 1 on a broken repository directory or a bad --format, naming it', async () => {
    const missing = join(root, 'no-such-repo');
    const r = await cairn(['plan', '--repo', missing, ...planArgs(), '--detailed-exitcode'], root);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`cairn plan: --repo ${missing}: no such directory, and not a Git URL\n`);
    expect(r.stdout).toBe('');

    const file = join(root, 'not-a-dir.yaml');
    writeFileSync(file, 'kind: nothing\n');
    const notDir = await cairn(['plan', '--repo', file, ...planArgs(), '--detailed-exitcode'], root);
    expect(notDir.code).toBe(1);
    expect(notDir.stderr).toMatch(/^cairn plan: .*not-a-dir\.yaml/);

    // A usage error must not read as "changes" (2) under --detailed-exitcode.
    const badFormat = await cairn(['plan', '--repo', remote.human, ...planArgs(), '-o', 'xml', '--detailed-exitcode'], root);
    expect(badFormat.code).toBe(1);
    expect(badFormat.stderr).toContain("cairn plan: option '-o, --output <format>' argument 'xml' is invalid. Allowed choices are text, json, yaml, markdown.");
    // Without --detailed-exitcode it is a usage error like any other.
    expect((await cairn(['plan', '--repo', remote.human, ...planArgs(), '-o', 'xml'], root)).code).toBe(2);
  });

  it('reconcile --once takes the backup, prints the summary and pushes the status commit; plan then exits 0', async () => {
    const r = await cairn(['reconcile', '--once', '--repo', remote.bare, ...common()], root);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tick at [0-9a-f]{12}: 1 action\(s\) in \d+ ms, status commit [0-9a-f]{12}$/m);
    expect(r.stdout).toContain('  backup teams-20261121060000 Completed (');
    expect(existsSync(join(dataDir, 'backups/backups/teams-20261121060000/manifest.json'))).toBe(true);

    const commit = /status commit ([0-9a-f]{12})/.exec(r.stdout)![1];
    expect(git(remote.bare, 'rev-parse', 'HEAD').trim().startsWith(commit)).toBe(true);
    expect(git(remote.bare, 'log', '-1', '--format=%s').trim()).toBe('cairn: 1 backup completed [skip ci]');
    const status = parse(git(remote.bare, 'show', 'HEAD:status/policies/teams.yaml'));
    expect(status.status.lastBackups[0]).toMatchObject({ name: 'teams-20261121060000', phase: 'Completed' });

    // Same clock, backup taken: no changes.
    git(remote.human, 'pull', '-q', '--rebase', 'origin', remote.branch);
    const plan = await cairn(['plan', '--repo', remote.human, ...planArgs(), '-o', 'json', '--detailed-exitcode'], root);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout).summary.total).toBe(0);

    // A second reconcile at the same time has nothing to do and commits nothing.
    const head = git(remote.bare, 'rev-parse', 'HEAD').trim();
    const again = await cairn(['reconcile', '--once', '--repo', remote.bare, ...common()], root);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^tick at [0-9a-f]{12}: 0 action\(s\) in \d+ ms, no status change$/m);
    expect(git(remote.bare, 'rev-parse', 'HEAD').trim()).toBe(head);
  });

  it('audit --policy --output json reads the trailers back', async () => {
    const r = await cairn(['audit', '--repo', remote.bare, '--data-dir', dataDir, '--policy', 'teams', '--output', 'json'], root);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ subject: 'cairn: 1 backup completed [skip ci]', commit: git(remote.bare, 'rev-parse', 'HEAD').trim() });
    expect(entries[0].actions).toEqual([expect.objectContaining({ verb: 'backup', object: 'teams-20261121060000', result: 'Completed' })]);

    // Nothing found is not a success (issue 21): exit 1, saying what was looked for.
    const other = await cairn(['audit', '--repo', remote.bare, '--data-dir', dataDir, '--policy', 'nobody', '--output', 'json'], root);
    expect(other.code).toBe(1);
    expect(JSON.parse(other.stdout)).toEqual([]);
    expect(other.stderr).toBe(`cairn audit: no cairn status commits found for policy nobody in ${remote.bare}\n`);
  });
});

describe('cairn run', () => {
  // Its own cluster, with a namespace big enough that a backup of it is still running when SIGTERM comes.
  let bulkSim: Simulator;
  let bulkKubeconfig: string;
  beforeAll(async () => {
    const objects: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bulk' } }];
    for (let i = 0; i < 4000; i++) {
      objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `settings-${i}`, namespace: 'bulk' }, data: { 'config.json': JSON.stringify({ i, padding: 'x'.repeat(1500) }) } });
    }
    bulkSim = await startSimulator({ seedDir: join(ROOT, 'samples/cluster'), objects });
    bulkKubeconfig = join(root, 'bulk-kubeconfig.yaml');
    await bulkSim.writeKubeconfig(bulkKubeconfig);
  });
  afterAll(async () => {
    await bulkSim?.stop();
  });

  it('serves health and metrics, takes a webhook, and on SIGTERM abandons the running backup, exits 0 and leaves nothing half-written', async () => {
    const remote = makeRemote(root, { 'locations/local.yaml': LOCATION, 'policies/teams.yaml': policy('teams', 'team-a') }, { name: 'run' });
    const dataDir = join(root, 'run-data');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = start(['run', '--interval', '1s', '--repo', remote.bare, '--data-dir', dataDir, '--kubeconfig', bulkKubeconfig, '--now', NOW, '--listen', `127.0.0.1:${port}`, '--webhook-insecure'], root);
    try {
      await waitFor('/healthz', async () => ((await fetch(`${base}/healthz`)).status === 200 ? true : undefined), child);
      await waitFor('/readyz 200', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined), child);
      expect(git(remote.bare, 'log', '-1', '--format=%s').trim()).toBe('cairn: 1 backup completed [skip ci]');

      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/^cairn_ticks_total\{result="ok"\} [1-9]\d*$/m);
      expect(metrics).toContain('# TYPE cairn_tick_duration_seconds histogram');
      const status = await (await fetch(`${base}/status`)).json();
      expect(status.lastError).toBeNull();

      // A push adds a policy on the big namespace and the webhook wakes the loop for it; SIGTERM
      // arrives once the backup is reading the cluster.
      humanCommit(remote, { 'policies/bulk.yaml': policy('bulk', 'bulk') }, 'back up the bulk namespace too');
      const listsBefore = bulkSim.stats.byVerb.list ?? 0;
      const hook = await fetch(`${base}/webhook`, { method: 'POST', body: '{}' });
      expect(hook.status).toBe(202);
      await waitFor('the bulk backup to list the cluster', async () => ((bulkSim.stats.byVerb.list ?? 0) > listsBefore + 1 ? true : undefined), child);
      const stopAsked = Date.now();
      child.kill('SIGTERM');
      const run = await child.exited;
      expect(run.stderr).toContain('backup bulk-20261121060000 was cancelled; the partial upload was removed');
      expect(run.code, run.stderr).toBe(0);
      expect(run.signal).toBeNull();
      expect(Date.now() - stopAsked).toBeLessThan(10_000);
      await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    } finally {
      child.kill('SIGKILL');
    }

    // The remote took only fast-forwards and every status file in it parses.
    expect(nonFastForwards(remote.bare)).toEqual([]);
    for (const path of git(remote.bare, 'ls-tree', '-r', '--name-only', 'HEAD', 'status/').trim().split('\n')) {
      expect(parse(git(remote.bare, 'show', `HEAD:${path}`)).apiVersion, path).toBe('cairn.dev/v1alpha1');
    }
    // Storage: the abandoned backup left no object at all (its partial upload was removed).
    const storage = join(dataDir, 'backups');
    const dirs = backupDirs(storage);
    expect(dirs.get('teams-20261121060000')).toContain('manifest.json');
    expect(dirs.get('bulk-20261121060000')).toBeUndefined();
    expect(existsSync(join(storage, 'locks', 'bulk.json')), 'the lock of the abandoned backup is released').toBe(false);

    // A later tick (clock 2 h past the wall clock, beyond the incomplete-upload limit and any lock)
    // takes the bulk backup after all, and storage holds only complete backups.
    const later = new Date(Math.ceil((Date.now() + 2 * 3_600_000) / 3_600_000) * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const next = await cairn(['reconcile', '--once', '--repo', remote.bare, '--data-dir', dataDir, '--kubeconfig', bulkKubeconfig, '--now', later, '--workdir', join(root, 'run-clone-2')], root);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stdout).toMatch(/backup bulk-\d{14} Completed/);
    const after = backupDirs(storage);
    for (const [name, files] of after) expect(files, name).toContain('manifest.json');
  });
});
