// Throwaway etcd clusters from Debian's etcd (3.4) on free loopback ports (DESIGN §6): one or
// three members, optionally with client TLS and client-certificate auth (certificates made with
// openssl here), stopped by PID. Used by the etcd tests and the benchmark; no vitest import.
import { freePort } from '../../src/free-port.ts';
export { freePort };
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);


export interface EtcdTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  process?: ChildProcess;
}

export interface EtcdTestCluster {
  dir: string;
  members: EtcdMember[];
  endpoints: string[];
  /** Client certificate, key and CA for a TLS cluster. */
  tls?: EtcdTls;
  initialCluster: string;
  /** Runs etcdctl (API v3) against the cluster (or the given endpoints); stdout. */
  etcdctl(args: string[], endpoints?: string[]): Promise<string>;
  stopMember(i: number): Promise<void>;
  startMember(i: number): Promise<void>;
  stop(): Promise<void>;
}

export interface EtcdClusterOptions {
  members?: number;
  tls?: boolean;
  /** --quota-backend-bytes of every member. */
  quotaBackendBytes?: number;
}

async function makeCerts(dir: string): Promise<EtcdTls & { serverCert: string; serverKey: string }> {
  const p = (f: string) => join(dir, f);
  const subj = (cn: string) => ['-subj', `/CN=${cn}`];
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-keyout', p('ca.key'), '-out', p('ca.crt'), ...subj('cairn-test-ca')]);
  await writeFile(p('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  await writeFile(p('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [who, ext] of [['server', 'server.ext'], ['client', 'client.ext']]) {
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p(`${who}.key`), '-out', p(`${who}.csr`), ...subj(who === 'client' ? 'root' : 'etcd')]);
    await run('openssl', ['x509', '-req', '-in', p(`${who}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-out', p(`${who}.crt`), '-extfile', p(ext)]);
  }
  return { caFile: p('ca.crt'), certFile: p('client.crt'), keyFile: p('client.key'), serverCert: p('server.crt'), serverKey: p('server.key') };
}

async function waitHealthy(c: EtcdTestCluster, endpoints: string[], member?: EtcdMember): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      await c.etcdctl(['endpoint', 'health'], endpoints);
      return;
    } catch (err) {
      last = (err as Error).message;
      if (member?.process?.exitCode != null) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const logs = member ? await readFile(`${member.dataDir}.log`, 'utf8').catch(() => '') : '';
  throw new Error(`etcd did not become healthy: ${last}\n${logs.slice(-2000)}`);
}

export async function startEtcdCluster(opts: EtcdClusterOptions = {}): Promise<EtcdTestCluster> {
  const n = opts.members ?? 1;
  const dir = await mkdtemp(join(tmpdir(), 'cairn-etcd-'));
  const certs = opts.tls ? await makeCerts(dir) : undefined;
  const scheme = certs ? 'https' : 'http';
  const members: EtcdMember[] = [];
  for (let i = 0; i < n; i++) {
    members.push({ name: `m${i}`, clientUrl: `${scheme}://127.0.0.1:${await freePort()}`, peerUrl: `http://127.0.0.1:${await freePort()}`, dataDir: join(dir, `m${i}`) });
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const tlsArgs = certs ? ['--cacert', certs.caFile, '--cert', certs.certFile, '--key', certs.keyFile] : [];
  let state = 'new';
  const c: EtcdTestCluster = {
    dir,
    members,
    endpoints: members.map((m) => m.clientUrl),
    ...(certs ? { tls: { caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile } } : {}),
    initialCluster,
    async etcdctl(args, endpoints = c.endpoints) {
      const { stdout } = await run('etcdctl', ['--endpoints', endpoints.join(','), '--dial-timeout', '2s', '--command-timeout', '5s', ...tlsArgs, ...args], {
        env: { ...process.env, ETCDCTL_API: '3' },
        maxBuffer: 64 << 20,
      });
      return stdout;
    },
    async startMember(i) {
      const m = members[i];
      const args = [
        '--name', m.name, '--data-dir', m.dataDir,
        '--listen-client-urls', m.clientUrl, '--advertise-client-urls', m.clientUrl,
        '--listen-peer-urls', m.peerUrl, '--initial-advertise-peer-urls', m.peerUrl,
        '--initial-cluster', initialCluster, '--initial-cluster-state', state, '--initial-cluster-token', 'cairn-test',
        '--heartbeat-interval', '50', '--election-timeout', '500',
        ...(opts.quotaBackendBytes ? ['--quota-backend-bytes', String(opts.quotaBackendBytes)] : []),
        ...(certs ? ['--cert-file', certs.serverCert, '--key-file', certs.serverKey, '--trusted-ca-file', certs.caFile, '--client-cert-auth'] : []),
      ];
      const { openSync } = await import('node:fs');
      const out = openSync(`${m.dataDir}.log`, 'a');
      m.process = spawn('etcd', args, { stdio: ['ignore', out, out] });
    },
    async stopMember(i) {
      const p = members[i].process;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
      members[i].process = undefined;
    },
    async stop() {
      for (let i = 0; i < members.length; i++) await c.stopMember(i);
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    for (let i = 0; i < n; i++) await c.startMember(i);
    await waitHealthy(c, c.endpoints, members[0]);
    state = 'existing';
  } catch (err) {
    await c.stop();
    throw err;
  }
  return c;
}
