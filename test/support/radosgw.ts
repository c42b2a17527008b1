// Starts a throwaway Ceph S3 server: one monitor, one memstore OSD and radosgw on free
// 127.0.0.1 ports in a temporary directory (configuration facts: DESIGN §6). Used by the
// vitest global setup and by benchmarks, so it imports nothing from vitest.
import { freePort } from '../../src/free-port.ts';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RadosgwServer {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  /** Stops radosgw, then the OSD, then the monitor (by PID) and removes the temporary directory. */
  stop(): Promise<void>;
}

/** Raised when the server cannot be started; carries the tail of the relevant log. */
export class RadosgwStartError extends Error {
  override name = 'RadosgwStartError';
}


function cephConfig(dir: string, ports: { v2: number; v1: number; rgw: number }): string {
  return [
    '[global]',
    `fsid = ${crypto.randomUUID()}`,
    `mon host = [v2:127.0.0.1:${ports.v2},v1:127.0.0.1:${ports.v1}]`,
    'mon initial members = a',
    'public addr = 127.0.0.1',
    'cluster addr = 127.0.0.1',
    'auth cluster required = none',
    'auth service required = none',
    'auth client required = none',
    'ms mon client mode = crc',
    'osd pool default size = 1',
    'osd pool default min size = 1',
    'osd pool default pg autoscale mode = off',
    'osd pool default pg num = 8',
    'osd pool default pgp num = 8',
    'mon allow pool size one = true',
    'mon warn on pool no redundancy = false',
    'paxos propose interval = 0.01',
    `run dir = ${dir}/run`,
    `log file = ${dir}/log/$name.log`,
    `mon cluster log file = ${dir}/log/cluster.log`,
    `admin socket = ${dir}/run/$name.asok`,
    `keyring = ${dir}/keyring`,
    '',
    '[mon.a]',
    `mon data = ${dir}/mon`,
    `public addrv = [v2:127.0.0.1:${ports.v2},v1:127.0.0.1:${ports.v1}]`,
    '',
    '[osd.0]',
    'osd objectstore = memstore',
    `osd data = ${dir}/osd`,
    'memstore device bytes = 2147483648',
    'osd min pg log entries = 100',
    'osd max pg log entries = 100',
    'osd pg log trim min = 10',
    '',
    '[client.rgw]',
    // tcp_nodelay: without it small GETs wait on delayed ACKs (~40 ms each instead of ~2 ms).
    `rgw frontends = beast endpoint=127.0.0.1:${ports.rgw} tcp_nodelay=1`,
    'rgw gc obj min wait = 0',
    'rgw gc processor period = 2',
    'rgw dns name = 127.0.0.1',
    `rgw data = ${dir}/rgw`,
    '',
  ].join('\n');
}

async function sh(cmd: string, args: string[], conf: string): Promise<string> {
  const { stdout } = await run(cmd, ['-c', conf, ...args], { timeout: 60_000 });
  return stdout;
}

async function tail(path: string, lines = 20): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, logPath: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new RadosgwStartError(`${what} did not come up within ${timeoutMs} ms; last lines of ${logPath}:\n${await tail(logPath)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const INSTALL = 'apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw';

/** Daemons still running, killed synchronously if this process exits without stop(). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
});

function daemon(cmd: string, args: string[], procs: ChildProcess[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: 'ignore', detached: false });
  procs.push(child);
  running.add(child);
  child.on('exit', () => running.delete(child));
  // A missing binary surfaces here; the readiness wait then fails with the log tail.
  child.on('error', (err) => {
    running.delete(child);
    process.stderr.write(`cannot run ${cmd}: ${err.message}; install Ceph with: ${INSTALL}\n`);
  });
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

export async function startRadosgw(): Promise<RadosgwServer> {
  const missing = [];
  for (const bin of ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph']) {
    if (!(await run('sh', ['-c', `command -v ${bin}`]).then(() => true, () => false))) missing.push(bin);
  }
  if (missing.length > 0) throw new RadosgwStartError(`the S3 tests need Ceph (${missing.join(', ')} not found); install it as root: ${INSTALL}`);
  const dir = await mkdtemp(join(tmpdir(), 'cairn-radosgw-'));
  const conf = join(dir, 'ceph.conf');
  // Started in this order (monitor, OSD, radosgw); stopped in reverse.
  const procs: ChildProcess[] = [];
  const stop = async () => {
    for (const child of [...procs].reverse()) await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports = { v2: await freePort(), v1: await freePort(), rgw: await freePort() };
    for (const sub of ['mon', 'osd', 'run', 'log', 'rgw']) await mkdir(join(dir, sub));
    await writeFile(conf, cephConfig(dir, ports));
    await writeFile(join(dir, 'keyring'), '');

    await sh('ceph-mon', ['--mkfs', '-i', 'a', '--mon-data', join(dir, 'mon')], conf);
    daemon('ceph-mon', ['-c', conf, '-i', 'a', '-f'], procs);
    const monLog = join(dir, 'log', 'mon.a.log');
    await waitFor('ceph-mon', async () => (await sh('ceph', ['--connect-timeout', '5', 'mon', 'stat'], conf)).length > 0, 30_000, monLog);

    const osdId = (await sh('ceph', ['osd', 'create'], conf)).trim();
    await sh('ceph-osd', ['-i', osdId, '--mkfs', '--osd-data', join(dir, 'osd')], conf);
    daemon('ceph-osd', ['-c', conf, '-i', osdId, '-f'], procs);
    const osdLog = join(dir, 'log', `osd.${osdId}.log`);
    await waitFor('ceph-osd', async () => /"num_up_osds":1/.test(await sh('ceph', ['osd', 'stat', '-f', 'json'], conf)), 30_000, osdLog);

    daemon('radosgw', ['-c', conf, '-n', 'client.rgw', '-f'], procs);
    const rgwLog = join(dir, 'log', 'client.rgw.log');
    const endpoint = `http://127.0.0.1:${ports.rgw}`;
    await waitFor('radosgw', async () => (await fetch(endpoint)).status > 0, 60_000, rgwLog);

    const accessKey = `CAIRNTEST${randomBytes(6).toString('hex').toUpperCase()}`;
    const secretKey = randomBytes(24).toString('base64url');
    await sh('radosgw-admin', ['-n', 'client.rgw', 'user', 'create', '--uid', 'cairn', '--display-name', 'cairn tests',
      '--access-key', accessKey, '--secret-key', secretKey], conf);
    return { endpoint, accessKey, secretKey, region: 'us-east-1', stop };
  } catch (err) {
    await stop().catch(() => undefined);
    if (err instanceof RadosgwStartError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new RadosgwStartError(`could not start Ceph radosgw for the S3 tests (processes stopped, ${dir} removed): ${msg}`, { cause: err });
  }
}
