// `cairn restore` as a user runs it: a child process against a simulator through KUBECONFIG,
// reading a backup from the embedded default location under --data-dir.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster, type ClusterClient } from '../../src/cluster/connect.ts';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import { embeddedLocation } from '../../src/backup/resolve.ts';
import { runBackup } from '../../src/backup/run.ts';
import { openLocation } from '../../src/storage/index.ts';
import { CM, NS, cm, ns } from './harness.ts';

let sim: Simulator;
let client: ClusterClient;
let dir: string;

function cairn(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'cairn.js'), ...args], {
      cwd: dir,
      env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), CAIRN_LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-restore-cli-'));
  sim = await startSimulator({ objects: [ns('team-a'), cm('team-a', 'settings', { color: 'blue' }), cm('team-a', 'other', { a: '1' })] });
  await sim.writeKubeconfig(join(dir, 'kubeconfig'));
  client = await connectCluster({ kubeconfigYaml: sim.kubeconfig() });
  const store = await openLocation(embeddedLocation(join(dir, 'data')));
  const manifest = await runBackup({ client, store, name: 'apps-1', policy: 'apps', location: 'default', clusterName: 'sim', selection: { includedNamespaces: ['team-a'] } });
  expect(manifest.phase).toBe('Completed');
  await mkdir(join(dir, 'repo'));
  await writeFile(
    join(dir, 'rules.yaml'),
    'version: v1\nresourceModifierRules:\n- conditions:\n    groupResource: configmaps\n    resourceNameRegex: "^settings$"\n  mergePatches:\n  - patchData: |\n      {"data": {"color": "green"}}\n',
  );
});

afterAll(async () => {
  client?.close();
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('cairn restore', () => {
  it('--dry-run --output json prints per-item results and writes nothing', async () => {
    await client.patch(CM, 'team-a', 'settings', { data: { color: 'red' } }, 'merge');
    sim.resetStats();
    // The old spelling (`cairn restore --backup`) still works for one release, saying so.
    const r = await cairn(['restore', '--backup', 'apps-1', '--repo', 'repo', '--data-dir', 'data', '--dry-run', '--existing-resource-policy', 'update', '--output', 'json', '--name', 'preview']);
    expect(r.stderr).toBe('cairn: "cairn restore --backup …" is deprecated and will be removed in the next release; use "cairn restore create --backup …"\n');
    expect(r.code).toBe(0);
    expect(sim.stats.writes).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ name: 'preview', phase: 'Completed', dryRun: true, backup: 'apps-1' });
    const settings = result.items.find((i: { name: string }) => i.name === 'settings');
    expect(settings).toMatchObject({ action: 'update', diff: [{ path: '/data/color', op: 'replace', old: 'red', new: 'blue' }] });
  });

  it('restores into a mapped namespace with modifiers from a file and prints the summary table', async () => {
    const r = await cairn([
      'restore', 'create', '--backup', 'apps-1', '--repo', 'repo', '--data-dir', 'data', '--name', 'copy',
      '--namespace-mapping', 'team-a=team-b', '--include-resources', 'configmaps,namespaces', '--modifiers', 'rules.yaml',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^restore copy: Completed/);
    expect(r.stdout).toMatch(/configmaps\s+2\s+0\s+0\s+0\s+0/);
    expect(r.stdout).toMatch(/pre-restore backup: copy-pre-\d{14}/);
    expect((await client.get(NS, undefined, 'team-b'))?.metadata.name).toBe('team-b');
    expect((await client.get(CM, 'team-b', 'settings'))?.data).toEqual({ color: 'green' });
    expect((await client.get(CM, 'team-b', 'other'))?.data).toEqual({ a: '1' });

    // Velero's read verbs: the result is kept in the location.
    const get = await cairn(['restore', 'get', '--repo', 'repo', '--data-dir', 'data', '-o', 'json']);
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout).map((x: { name: string; phase: string }) => [x.name, x.phase])).toContainEqual(['copy', 'Completed']);
    const describe = await cairn(['restore', 'describe', 'copy', '--repo', 'repo', '--data-dir', 'data']);
    expect(describe.code).toBe(0);
    expect(describe.stdout).toMatch(/^restore copy: Completed/);
    const none = await cairn(['restore', 'describe', 'no-such-restore', '--repo', 'repo', '--data-dir', 'data']);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('cairn restore describe: restore no-such-restore has no result in location default\n');
  });

  it('exits 1 naming a backup that does not exist, and 2 for a malformed flag', async () => {
    const missing = await cairn(['restore', 'create', '--backup', 'nope', '--repo', 'repo', '--data-dir', 'data', '--name', 'missing']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/FailedValidation/);
    expect(missing.stdout).toMatch(/backup nope not found in location default/);
    const bad = await cairn(['restore', 'create', '--backup', 'apps-1', '--repo', 'repo', '--data-dir', 'data', '--namespace-mapping', 'team-a']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('cairn restore create: --namespace-mapping "team-a": expected old=new, e.g. team-a=team-a-restored\n');
  });
});
