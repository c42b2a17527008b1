// Issue 16.5, unbounded reads: a Kubernetes API response is read up to a cap, then the request
// fails naming the cap; an endless body never grows cairn's memory without bound. The cap is
// 1 GiB in production (MAX_RESPONSE_BYTES); the transport takes a smaller one here so the test
// streams megabytes, not a gigabyte.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_RETRY, MAX_RESPONSE_BYTES, Transport } from '../../src/cluster/transport.ts';

let server: http.Server;
let url: string;
let sent = 0;

beforeAll(async () => {
  // An API server that answers every request with a body that never ends.
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) sent += chunk.length;
      if (!res.destroyed) res.once('drain', pump);
    };
    res.on('close', () => undefined);
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('a response larger than the cap', () => {
  it('fails the request naming the cap, and stops reading', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const cap = 2 * 1024 * 1024;
    const transport = new Transport(kc, url, { ...DEFAULT_RETRY, attempts: 1 }, 4, cap);
    const err = await transport.request({ method: 'GET', path: '/api/v1/configmaps', target: { verb: 'list', resource: 'configmaps' } }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('cluster.http');
    expect((err as Error).message).toContain(`more than ${cap} bytes, the most cairn reads for one response`);
    // The server kept writing only until the socket was torn down: a few buffers past the cap.
    await new Promise((r) => setTimeout(r, 100));
    expect(sent).toBeLessThan(cap + 16 * 1024 * 1024);
    expect(MAX_RESPONSE_BYTES).toBe(1024 * 1024 * 1024);
  });
});
