// `cairn backup create` as a user runs it: a policy repository on disk, the simulator reached
// through KUBECONFIG (no Cluster object), a filesystem location.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import { teams } from './fixtures.ts';

function cairn(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/cairn.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator({ objects: teams() });
  dir = await mkdtemp(join(tmpdir(), 'cairn-cli-'));
  await sim.writeKubeconfig(join(dir, 'kubeconfig'));
  await mkdir(join(dir, 'repo/policies'), { recursive: true });
  await mkdir(join(dir, 'repo/locations'), { recursive: true });
  await writeFile(
    join(dir, 'repo/locations/local.yaml'),
    ['apiVersion: cairn.dev/v1alpha1', 'kind: BackupLocation', 'metadata: {name: local}', 'spec:', '  default: true', '  provider: filesystem', `  filesystem: {path: ${join(dir, 'data')}}`, ''].join('\n'),
  );
  await writeFile(
    join(dir, 'repo/policies/team-a.yaml'),
    ['apiVersion: cairn.dev/v1alpha1', 'kind: BackupPolicy', 'metadata: {name: team-a}', 'spec:', '  includedNamespaces: [team-a]', '  keep: 3', ''].join('\n'),
  );
});
afterAll(async () => {
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('cairn backup create', () => {
  it('runs the policy and prints its summary as JSON with -o json', async () => {
    const r = await cairn(['backup', 'create', '--policy', 'team-a', '--repo', join(dir, 'repo'), '--data-dir', join(dir, 'data'), '--name', 'team-a-manual', '-o', 'json'], {
      KUBECONFIG: join(dir, 'kubeconfig'),
    });
    expect(r.stderr).not.toContain('cairn:');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim());
    expect(summary).toMatchObject({ name: 'team-a-manual', phase: 'Completed', location: 'local', warnings: [], errors: [] });
    expect(summary.items).toBeGreaterThanOrEqual(6);
    expect(summary.bytes).toBeGreaterThan(0);
    const manifest = JSON.parse(await readFile(join(dir, 'data/backups/team-a-manual/manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ phase: 'Completed', policy: 'team-a', cluster: { name: 'cairn-sim', server: sim.url } });
  });

  it('exits 1 with the reason when the policy does not exist', async () => {
    const r = await cairn(['backup', 'create', '--policy', 'nope', '--repo', join(dir, 'repo'), '--data-dir', join(dir, 'data')], { KUBECONFIG: join(dir, 'kubeconfig') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no BackupPolicy named "nope"');
    expect(r.stderr).toContain('team-a');
  });
});
