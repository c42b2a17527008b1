import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';

const ROOT = resolve(import.meta.dirname, '../..');

describe('cairn sim serve', () => {
  it('serves the seed, writes a kubeconfig, and exits 0 on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-serve-'));
    const kubeconfig = join(dir, 'kc.yaml');
    const child = spawn(process.execPath, [join(ROOT, 'bin/cairn.js'), 'sim', 'serve', '--seed', join(ROOT, 'samples/cluster'), '--kubeconfig', kubeconfig], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      for (let i = 0; i < 300 && !stdout.includes('export KUBECONFIG='); i++) {
        if (child.exitCode !== null) throw new Error(`cairn sim serve exited early: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(stdout).toContain(`export KUBECONFIG=${kubeconfig}`);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1];

      const kc = new k8s.KubeConfig();
      kc.loadFromString(await readFile(kubeconfig, 'utf8'));
      expect(kc.getCurrentContext()).toBe('cairn-sim');
      expect(kc.getCurrentCluster()!.server).toBe(url);
      const mgmt: any = await kc.makeApiClient(k8s.CustomObjectsApi).getClusterCustomObject({ group: 'k0rdent.mirantis.com', version: 'v1alpha1', plural: 'managements', name: 'kcm' });
      expect(mgmt.spec.release).toBe('kcm-1-1-0');

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await expect(fetch(`${url}/version`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad --port with exit code 2 and a message', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/cairn.js'), 'sim', 'serve', '--port', 'abc', '--kubeconfig', join(tmpdir(), 'unused-kc.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    expect(code).toBe(2);
    expect(stderr).toContain('--port abc: expected a TCP port number');
  });
});
