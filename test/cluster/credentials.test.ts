// Credentials on the wire: a static token is sent with every request (read once per client);
// an exec plugin's token is asked for again on every request, so a rotated token is picked up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { connectCluster } from '../../src/cluster/connect.ts';

let server: http.Server;
let url: string;
let dir: string;
const seen: (string | undefined)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-creds-'));
  server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    const body = JSON.stringify({ gitVersion: 'v1.31.0' });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

function kubeconfig(user: Record<string, unknown>): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  });
}

describe('credentials', () => {
  it('sends a static bearer token with every request', async () => {
    seen.length = 0;
    const client = await connectCluster({ kubeconfigYaml: kubeconfig({ token: 'static-token' }) });
    try {
      for (let i = 0; i < 3; i++) expect(await client.serverVersion()).toBe('v1.31.0');
    } finally {
      client.close();
    }
    expect(seen).toEqual(['Bearer static-token', 'Bearer static-token', 'Bearer static-token']);
  });

  it('sends basic auth from username and password', async () => {
    seen.length = 0;
    const client = await connectCluster({ kubeconfigYaml: kubeconfig({ username: 'admin', password: 'pw' }) });
    try {
      await client.serverVersion();
      await client.serverVersion();
    } finally {
      client.close();
    }
    const basic = `Basic ${Buffer.from('admin:pw').toString('base64')}`;
    expect(seen).toEqual([basic, basic]);
  });

  it("asks an exec plugin again for every request and sends each new token", async () => {
    seen.length = 0;
    const counter = join(dir, 'count');
    // Prints an ExecCredential without an expiry, so client-node runs the plugin each time it is asked.
    const plugin = `
      const fs = require('node:fs');
      const n = (fs.existsSync(process.argv[1]) ? Number(fs.readFileSync(process.argv[1], 'utf8')) : 0) + 1;
      fs.writeFileSync(process.argv[1], String(n));
      process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'rotated-' + n } }));
    `;
    const client = await connectCluster({
      kubeconfigYaml: kubeconfig({ exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: ['-e', plugin, counter], interactiveMode: 'Never' } }),
    });
    try {
      for (let i = 0; i < 3; i++) await client.serverVersion();
    } finally {
      client.close();
    }
    expect(seen).toHaveLength(3);
    expect(seen.every((h) => /^Bearer rotated-\d+$/.test(h ?? ''))).toBe(true);
    expect(new Set(seen).size).toBe(3);
  });
});
