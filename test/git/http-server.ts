// A real smart-HTTP Git server for the credential tests: Node's http server in front of git's own
// `git http-backend` (CGI), requiring HTTP Basic auth with a password the test can change.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHttpServer {
  url: string;
  /** Credentials the server accepts; change them to simulate a rotated token. */
  creds: { username: string; password: string };
  /** Authorization headers received, to prove what git sent. */
  seen: string[];
  close(): Promise<void>;
}

export async function startGitHttpServer(projectRoot: string, creds: { username: string; password: string }): Promise<GitHttpServer> {
  const state: GitHttpServer = { url: '', creds, seen: [], close: async () => undefined };
  const server: Server = createServer((req, res) => handle(req, res, projectRoot, state));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

function handle(req: IncomingMessage, res: ServerResponse, projectRoot: string, state: GitHttpServer): void {
  const auth = req.headers.authorization ?? '';
  if (auth !== '') state.seen.push(auth);
  const expected = `Basic ${Buffer.from(`${state.creds.username}:${state.creds.password}`).toString('base64')}`;
  if (auth !== expected) {
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="cairn-test"' });
    res.end('unauthorized');
    return;
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: state.creds.username,
    REMOTE_ADDR: '127.0.0.1',
    GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
  };
  if (req.headers['content-length'] !== undefined) env.CONTENT_LENGTH = String(req.headers['content-length']);
  if (req.headers['content-encoding'] !== undefined) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
  req.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let started = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (started) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return;
    started = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  cgi.on('close', () => res.end());
}
