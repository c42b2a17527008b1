// Backup benchmark (`npm run bench backup`): 10,000 objects from the API simulator to the radosgw
// S3 server, against the floor measured in the same run — a raw paginated list of the same objects
// over HTTP, gzip of the same bytes, one PUT of them — and peak RSS at 10,000, 50,000 and 100,000 objects.
//
// Processes: this one starts radosgw and, per object count, a simulator process and a backup
// process, so each peak RSS (VmHWM, bench/peak-rss.ts) is the backup's own and not the
// simulator's object store.
//
// The children run this file bundled as dist/ is (scripts/bundle.mjs, into .bench-build/), so
// their memory and time are those of the code as it ships; BENCH_TSX=1 runs them through tsx's
// loader instead, as before there was a build.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import { s3Client, type BenchS3 as S3 } from './s3.ts';
import { startRadosgw } from '../test/support/radosgw.ts';
import { bulkConfigMaps } from '../test/backup/fixtures.ts';
import { startSimulator } from '../src/sim/index.ts';
import { connectCluster } from '../src/cluster/connect.ts';
import { runBackup } from '../src/backup/run.ts';
import { GZIP_LEVEL } from '../src/backup/archive.ts';
import { openLocation } from '../src/storage/index.ts';
import { API_VERSION } from '../src/api/types.ts';
import { payloadArtifact } from '../src/storage/manifest.ts';
import { bundle } from '../scripts/bundle.mjs';
import { peakRssKb } from './peak-rss.ts';

const REPS = Number(process.env.REPS ?? 7);
const RSS_COUNTS = (process.env.RSS_COUNTS ?? '10000,50000,100000').split(',').map(Number);
// Knobs for work on the backup itself: BENCH_RESOURCES=configmaps,namespaces narrows what is
// backed up (includedResources); RSS_REPS sets the backups per peak-RSS run after the warm-up
// (2), so that instruction counts under BENCH_WRAP can be taken per backup by difference.
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (kb: number) => Math.round(kb / 1024);

// ---- child: simulator ------------------------------------------------------------------
async function simRole(count: number): Promise<void> {
  const sim = await startSimulator({ objects: bulkConfigMaps(count, 10) });
  process.stdout.write(`${JSON.stringify({ url: sim.url, kubeconfig: sim.kubeconfig() })}\n`);
  process.on('SIGTERM', () => void sim.stop().then(() => process.exit(0)));
}

// ---- child: backup + floor -------------------------------------------------------------
function getJson(url: string, agent: http.Agent): Promise<{ raw: Buffer; body: { metadata?: { continue?: string }; items: unknown[] } }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { accept: 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          resolve({ raw, body: JSON.parse(raw.toString('utf8')) });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** The floor: list pages over HTTP, gzip those bytes, PUT them once. Milliseconds per step. */
async function floor(simUrl: string, s3: S3, key: string): Promise<{ list: number; gzip: number; put: number; bytes: number }> {
  const agent = new http.Agent({ keepAlive: true });
  let t = performance.now();
  const pages: Buffer[] = [];
  let token: string | undefined;
  do {
    const q = new URLSearchParams({ limit: '500', ...(token ? { continue: token } : {}) });
    const { raw, body } = await getJson(`${simUrl}/api/v1/configmaps?${q}`, agent);
    pages.push(raw);
    token = body.metadata?.continue || undefined;
  } while (token);
  const list = performance.now() - t;
  agent.destroy();
  const bytes = Buffer.concat(pages);
  t = performance.now();
  const gz = gzipSync(bytes, { level: GZIP_LEVEL });
  const gzip = performance.now() - t;
  t = performance.now();
  await s3Client(s3).putObject(s3.bucket, key, gz, gz.length);
  const put = performance.now() - t;
  return { list, gzip, put, bytes: bytes.length };
}

/**
 * BENCH_MEMORY=1: what the peak is made of. Samples process.memoryUsage() and /proc's RSS split
 * every 5 ms and prints the sample at the highest RSS. BENCH_HEAP_SNAPSHOTS=<dir> also writes
 * heap snapshots there after start-up (before the first backup) and at 60% of the second
 * backup's objects (writing one costs native memory of its own: not for peak figures).
 */
function memoryProbe(dir: string | undefined, count: number) {
  const mb = (b: number) => +(b / 1048576).toFixed(1);
  const status = () => Object.fromEntries([...readFileSync('/proc/self/status', 'utf8').matchAll(/^(RssAnon|RssFile|VmRSS):\s+(\d+) kB/gm)].map((m) => [m[1], +(Number(m[2]) / 1024).toFixed(1)]));
  let peak: Record<string, unknown> = { VmRSS: 0 };
  const sample = (label: string) => {
    const u = process.memoryUsage();
    const st = status();
    const now = { label, ...st, heapTotal: mb(u.heapTotal), heapUsed: mb(u.heapUsed), external: mb(u.external), arrayBuffers: mb(u.arrayBuffers), spaces: Object.fromEntries(v8.getHeapSpaceStatistics().map((x) => [x.space_name, [mb(x.space_size), mb(x.space_used_size)]])) };
    if ((st.VmRSS ?? 0) > (peak.VmRSS as number)) peak = now;
    return now;
  };
  process.stderr.write(`memory after start-up: ${JSON.stringify(sample('start-up'))}\n`);
  if (dir) process.stderr.write(`heap snapshot ${v8.writeHeapSnapshot(join(dir, `start-up-${count}.heapsnapshot`))}\n`);
  let rep = -1;
  let backup = '';
  const timer = setInterval(() => sample(backup), 5);
  let snapped = false;
  return {
    progress(i: number, items: number) {
      if (i !== rep) ((rep = i), (backup = `backup ${i}`));
      if (dir && i === 1 && !snapped && items >= count * 0.6) {
        snapped = true;
        process.stderr.write(`memory at ${items} objects: ${JSON.stringify(sample(`backup ${i}, ${items} objects`))}\n`);
        process.stderr.write(`heap snapshot ${v8.writeHeapSnapshot(join(dir, `backup-${count}-at-${items}.heapsnapshot`))}\n`);
      }
    },
    stop() {
      clearInterval(timer);
      process.stderr.write(`memory at the highest RSS sampled: ${JSON.stringify(peak)}\n`);
    },
  };
}

/** CPU time of this process's main thread so far, in ms (Linux: schedstat, nanoseconds). */
function mainThreadCpuMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

/**
 * CPU ms of each of this process's threads so far, keyed by creation order (Linux: schedstat;
 * Node names every thread "node"). The order tells them apart: the main thread, V8's platform
 * workers (created at start-up: t1-t5 here), then libuv's pool (created on first use: t6-t10).
 */
function threadCpuMs(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    const tids = readdirSync('/proc/self/task').map(Number).sort((a, b) => a - b);
    tids.forEach((tid, i) => (out[tid === process.pid ? 'main' : `t${i}`] = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6));
  } catch {
    // not Linux: no split
  }
  return out;
}

/** CPU ms of all threads of process `pid` so far (Linux schedstat, nanoseconds); NaN elsewhere. */
function processCpuMs(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e6;
  } catch {
    return NaN;
  }
}

async function backupRole(count: number, simUrl: string, kubeconfig: string, s3: S3, withFloor: boolean, reps: number, simPid: number): Promise<void> {
  const env = { AK: s3.accessKey, SK: s3.secretKey };
  const store = await openLocation(
    {
      apiVersion: API_VERSION,
      kind: 'BackupLocation',
      metadata: { name: 'bench' },
      spec: { provider: 's3', s3: { endpoint: s3.endpoint, bucket: s3.bucket, prefix: `n${count}`, region: s3.region, credentials: { accessKeyIdFromEnv: 'AK', secretAccessKeyFromEnv: 'SK' } } },
      source: { file: 'bench', line: 0, col: 0 },
    },
    { env },
  );
  const client = await connectCluster({ kubeconfigYaml: kubeconfig });
  const probe = process.env.BENCH_MEMORY || process.env.BENCH_HEAP_SNAPSHOTS ? memoryProbe(process.env.BENCH_HEAP_SNAPSHOTS, count) : undefined;
  // Backups and floors alternate, so both see the same machine: on shared cores, minutes apart
  // can differ by a fifth.
  const backupMs: number[] = [];
  const cpuMs: number[] = [];
  const mainMs: number[] = [];
  const mainCpuMs: number[] = [];
  const faults: number[] = [];
  // The simulator's CPU per backup and per floor: the server's share of each, on the same cores.
  const serverMs: number[] = [];
  const floorServerMs: number[] = [];
  const threads: Array<Record<string, number>> = [];
  const floors: Array<Awaited<ReturnType<typeof floor>>> = [];
  let items = 0;
  let archiveBytes = 0;
  for (let i = 0; i <= reps; i++) {
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    const mainCpu = mainThreadCpuMs();
    const faulted = process.resourceUsage().minorPageFault;
    const server = processCpuMs(simPid);
    const threadsBefore = threadCpuMs();
    const t = performance.now();
    const m = await runBackup({ client, store, name: `bench-${i}`, policy: 'bench', location: 'bench', clusterName: 'sim', selection: { includedNamespaces: ['bulk-*'], ...(process.env.BENCH_RESOURCES ? { includedResources: process.env.BENCH_RESOURCES.split(',') } : {}) }, onProgress: probe && ((p) => probe.progress(i, p.items)) });
    const ms = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const busy = performance.eventLoopUtilization(elu).active;
    const mainUsed = mainThreadCpuMs() - mainCpu;
    const faultsUsed = process.resourceUsage().minorPageFault - faulted;
    const serverUsed = processCpuMs(simPid) - server;
    const threadsAfter = threadCpuMs();
    if (m.phase !== 'Completed') throw new Error(`backup ${m.name} ended ${m.phase}: ${[...m.warnings, ...m.errors].join('; ')}`);
    items = m.totalItems;
    archiveBytes = payloadArtifact(m).size;
    const floorServer = processCpuMs(simPid);
    const f = withFloor ? await floor(simUrl, s3, `floor/${count}/${i}`) : undefined;
    const floorServerUsed = processCpuMs(simPid) - floorServer;
    if (i === 0) continue; // run 0 warms up
    backupMs.push(ms);
    cpuMs.push((used.user + used.system) / 1000);
    mainMs.push(busy);
    mainCpuMs.push(mainUsed);
    faults.push(faultsUsed);
    serverMs.push(serverUsed);
    if (f) floorServerMs.push(floorServerUsed);
    threads.push(Object.fromEntries(Object.entries(threadsAfter).map(([k, v]) => [k, v - (threadsBefore[k] ?? 0)])));
    if (f) floors.push(f);
  }
  const maxRssKb = peakRssKb();
  probe?.stop();
  client.close();
  process.stdout.write(
    `${JSON.stringify({
      count,
      items,
      archiveBytes,
      backupMs: median(backupMs),
      cpuMs: median(cpuMs),
      mainMs: median(mainMs),
      mainCpuMs: median(mainCpuMs),
      minorFaults: median(faults),
      serverCpuMs: median(serverMs),
      threadCpuMs: Object.fromEntries(Object.keys(threads[0] ?? {}).map((k) => [k, Math.round(median(threads.map((t) => t[k] ?? 0)))])),
      maxRssKb,
      floor: withFloor
        ? {
            listMs: median(floors.map((x) => x.list)),
            gzipMs: median(floors.map((x) => x.gzip)),
            putMs: median(floors.map((x) => x.put)),
            totalMs: median(floors.map((x) => x.list + x.gzip + x.put)),
            serverCpuMs: median(floorServerMs),
            bytes: floors[0].bytes,
          }
        : undefined,
      ratios: withFloor ? backupMs.map((b, i) => b / (floors[i].list + floors[i].gzip + floors[i].put)) : undefined,
    })}\n`,
  );
}

// ---- parent ----------------------------------------------------------------------------
const BUNDLED = '.bench-build/bench/backup.bench.js';
const SELF = process.env.BENCH_TSX ? ['bin/run-ts.js', 'bench/backup.bench.ts'] : [BUNDLED];

function child(args: string[]): { proc: ChildProcess; firstLine: Promise<string>; exit: Promise<number> } {
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the children.
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  // BENCH_WRAP (e.g. "valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p") runs the backup child under a tool.
  const wrap = args[1] === 'backup' ? (process.env.BENCH_WRAP?.split(/\s+/).filter(Boolean) ?? []) : [];
  const argv = [...wrap, process.execPath, ...nodeArgs, ...SELF, ...args];
  const proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! });
  const firstLine = new Promise<string>((resolve, reject) => {
    // The answer is the first JSON line; anything else (--trace-gc, say) goes to stderr.
    lines.on('line', (line) => (line.startsWith('{') ? resolve(line) : process.stderr.write(`${line}\n`)));
    proc.once('exit', (code) => reject(new Error(`child ${args[0]} exited (${code}) before answering`)));
  });
  const exit = new Promise<number>((resolve) => proc.once('exit', (code) => resolve(code ?? 1)));
  return { proc, firstLine, exit };
}

async function measure(count: number, s3: S3, withFloor: boolean, reps = REPS) {
  const sim = child(['--role', 'sim', String(count)]);
  try {
    const { url, kubeconfig } = JSON.parse(await sim.firstLine) as { url: string; kubeconfig: string };
    const run = child(['--role', 'backup', String(count), url, Buffer.from(JSON.stringify({ kubeconfig, s3, withFloor, reps, simPid: sim.proc.pid })).toString('base64')]);
    const result = JSON.parse(await run.firstLine);
    await run.exit;
    return result;
  } finally {
    sim.proc.kill('SIGTERM');
    await sim.exit;
  }
}

async function main(): Promise<void> {
  if (!process.env.BENCH_TSX) await bundle({ entryPoints: ['bench/backup.bench.ts'], outbase: '.', outdir: '.bench-build' });
  console.log(`children run ${SELF.join(' ')}`);
  const gw = await startRadosgw();
  try {
    const s3: S3 = { endpoint: gw.endpoint, accessKey: gw.accessKey, secretKey: gw.secretKey, region: gw.region, bucket: 'bench' };
    await s3Client(s3).makeBucket(s3.bucket, s3.region);
    // RSS_ONLY=1 skips the time against the floor (for memory work).
    const big = process.env.RSS_ONLY ? undefined : await measure(10_000, s3, !process.env.NO_FLOOR);
    if (big && !big.floor) return console.log(JSON.stringify(big)); // NO_FLOOR=1: the backups alone, as JSON
    // Peak RSS from runs without the floor, whose whole-list buffers would otherwise count,
    // at 10,000, 50,000 and 100,000 objects (a warm-up and two backups each).
    const rss = [];
    for (const count of RSS_COUNTS) rss.push(await measure(count, s3, false, Number(process.env.RSS_REPS ?? 2)));
    const r = (x: number) => Math.round(x);
    const rssLine = `  peak RSS: ${rss.map((x) => `${mib(x.maxRssKb)} MiB at ${x.count.toLocaleString('en')} objects (${r(x.backupMs)} ms)`).join(', ')}; 3 backups each, no floor in the process`;
    if (!big) return console.log(rssLine);
    const ratio = big.backupMs / big.floor.totalMs;
    console.log(`backup of ${big.items} items (${big.count} ConfigMaps + namespaces) from the simulator to radosgw S3, median of ${REPS} after a warm-up`);
    console.log(`  backup:  ${r(big.backupMs)} ms (CPU ${r(big.cpuMs)} ms with the zlib threads; main thread busy ${r(big.mainMs)} ms, of which on a CPU ${r(big.mainCpuMs)} ms; ${big.minorFaults} minor page faults), archive ${(big.archiveBytes / 1048576).toFixed(2)} MiB`);
    console.log(`  threads: CPU ms per backup by thread (median): ${JSON.stringify(big.threadCpuMs)}`);
    console.log(`  floor:   ${r(big.floor.totalMs)} ms = list ${r(big.floor.listMs)} + gzip ${r(big.floor.gzipMs)} + PUT ${r(big.floor.putMs)} (${(big.floor.bytes / 1048576).toFixed(2)} MiB listed)`);
    console.log(`  server:  the simulator's CPU ${r(big.serverCpuMs)} ms per backup, ${r(big.floor.serverCpuMs)} ms per floor (${(big.serverCpuMs / big.floor.serverCpuMs).toFixed(2)} x)`);
    const pairs = (big.ratios as number[]).map((x) => x.toFixed(2)).join(' ');
    console.log(`  ratio:   ${ratio.toFixed(2)} x floor (target <= 1.25); each backup against the floor run right after it: ${pairs}`);
    console.log(rssLine);
  } finally {
    await gw.stop();
  }
}

const role = process.argv.indexOf('--role');
if (role < 0) await main();
else if (process.argv[role + 1] === 'sim') await simRole(Number(process.argv[role + 2]));
else {
  const [count, url, payload] = process.argv.slice(role + 2);
  const { kubeconfig, s3, withFloor, reps, simPid } = JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as { kubeconfig: string; s3: S3; withFloor: boolean; reps: number; simPid: number };
  await backupRole(Number(count), url, kubeconfig, s3, withFloor, reps, simPid);
}
