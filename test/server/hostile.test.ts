// Issue 16, item 1: no request may end the engine. `curl --request-target 'http://['` made
// `new URL` throw inside the request handler of `cairn run --listen`, which ended the process
// (and left its policy lock held). Every malformed request target, header and method below is
// answered 4xx, and the same engine keeps answering afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRemote } from '../git/helpers.ts';
import { freePort, rawRequest, startCairn, statusCode, waitFor, type Child } from './support.ts';

const LOCATION = `apiVersion: cairn.dev/v1alpha1
kind: BackupLocation
metadata: {name: local}
spec: {default: true, provider: filesystem, filesystem: {path: backups}}
`;

const req = (line: string, headers = 'Host: x\r\n') => `${line}\r\n${headers}\r\n`;

/** [what, raw request, expected status] */
const MALFORMED: [string, string, number][] = [
  ['absolute-form target that new URL cannot parse', req('GET http://[ HTTP/1.1'), 400],
  ['absolute-form target with a bracket path', req('GET http://[/status HTTP/1.1'), 400],
  ['absolute-form target to another host', req('GET http://example.com/status HTTP/1.1'), 400],
  ['scheme-relative target', req('GET //evil/status HTTP/1.1'), 400],
  ['asterisk target', req('GET * HTTP/1.1'), 400],
  ['bad percent-encoding in an API name', req('GET /api/v1/backups/%E0%A4%A HTTP/1.1'), 400],
  ['a request target of 10,000 characters', req(`GET /${'a'.repeat(10_000)} HTTP/1.1`), 400],
  ['unknown method', req('BREW /status HTTP/1.1'), 400],
  ['method not allowed on a read path', req('DELETE /status HTTP/1.1'), 405],
  ['GET on the webhook', req('GET /webhook HTTP/1.1'), 405],
  ['header line without a colon', req('GET /status HTTP/1.1', 'Host: x\r\nBad Header\r\n'), 400],
  ['NUL in a header value', req('GET /status HTTP/1.1', 'Host: x\r\nX-A: a\u0000b\r\n'), 400],
  ['conflicting Content-Length headers', req('POST /webhook HTTP/1.1', 'Host: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n'), 400],
  ['Content-Length and Transfer-Encoding together', req('POST /webhook HTTP/1.1', 'Host: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n') + '0\r\n\r\n', 400],
  ['broken chunked body', req('POST /webhook HTTP/1.1', 'Host: x\r\nTransfer-Encoding: chunked\r\n') + 'zz\r\nabc\r\n', 400],
  ['100 KiB of headers', req('GET /status HTTP/1.1', `Host: x\r\nX-Big: ${'b'.repeat(100 * 1024)}\r\n`), 431],
  ['unsupported HTTP version', req('GET /status HTTP/9.9'), 400],
  ['garbage instead of a request line', '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n', 400],
];

let root: string;
let child: Child;
let port: number;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-hostile-http-'));
  const remote = makeRemote(root, { 'locations/local.yaml': LOCATION }, { name: 'hostile' });
  port = await freePort();
  child = startCairn(['run', '--interval', '1h', '--repo', remote.bare, '--data-dir', join(root, 'data'), '--listen', `127.0.0.1:${port}`], root);
  await waitFor('/readyz', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined), child.stderr);
});

afterAll(async () => {
  child?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('cairn run --listen: malformed requests', () => {
  it.each(MALFORMED)('%s: answered %i, the engine keeps running', async (_what, bytes, expected) => {
    const answer = await rawRequest(port, bytes);
    expect(statusCode(answer), answer.slice(0, 200)).toBe(expected);
    expect(child.alive(), child.stderr()).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('without CAIRN_WEBHOOK_SECRET, said so at start-up and refuses webhooks with 403', async () => {
    expect(child.stdout() + child.stderr()).toContain('POST /webhook answers 403: CAIRN_WEBHOOK_SECRET is not set');
    const res = await fetch(`http://127.0.0.1:${port}/webhook`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(403);
  });

  it('after all of them, still serves its state and exits cleanly on SIGTERM', async () => {
    const status = await (await fetch(`http://127.0.0.1:${port}/status`)).json();
    expect(status.lastError).toBeNull();
    expect(status.lastTick.revision).toMatch(/^[0-9a-f]{40}$/);
    child.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });
});
