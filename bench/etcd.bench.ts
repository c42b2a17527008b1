// etcd snapshot benchmark (`npm run bench etcd`): cairn's streamed etcd backup (snapshot → etcd
// hash check → parallel gzip → S3 upload, overlapped) against the way RKE users do it today, run
// one after the other in the same run: `etcdctl snapshot save` to a file, `gzip -1` of that
// file, one upload of the result (minio fPutObject). Databases of ~256 MiB and ~1 GiB in a
// single-member Debian etcd, radosgw as the S3 server. cairn runs in its own process so its
// peak RSS (VmHWM, bench/peak-rss.ts) is its own; that process runs this file bundled as
// dist/ is (scripts/bundle.mjs, into .bench-build/), so its memory is that of the code as it
// ships (BENCH_TSX=1 runs it through tsx instead).
//
//   npm run bench etcd                 # both sizes, 3 timed runs each after a warm-up
//   ETCD_BENCH_SIZES=256 ETCD_BENCH_REPS=1 ETCD_BENCH_LEVELS=1,6 npm run bench etcd
//   ETCD_BENCH_ENCRYPT=1 ...           # to an encrypted location (the sequential floor stays plain)
import { spawn, execFile } from 'node:child_process';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { s3Client, type BenchS3 as S3 } from './s3.ts';
import { Etcd3 } from 'etcd3';
import { startRadosgw } from '../test/support/radosgw.ts';
import { startEtcdCluster } from '../test/support/etcd.ts';
import { openLocation } from '../src/storage/index.ts';
import { runEtcdBackup, ETCD_GZIP_LEVEL } from '../src/backup/etcd.ts';
import { closeMembers, connectMembers } from '../src/etcd/connect.ts';
import { payloadArtifact } from '../src/storage/manifest.ts';
import { bundle } from '../scripts/bundle.mjs';
import { peakRssKb } from './peak-rss.ts';

const run = promisify(execFile);
const MiB = 1 << 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms: number) => (ms / 1000).toFixed(1);

// ---- child: one cairn etcd backup ----------------------------------------------------------
async function backupRole(endpoint: string, s3json: string, name: string, level: string): Promise<void> {
  const baseline = name === '--baseline';
  const s3 = JSON.parse(Buffer.from(s3json, 'base64').toString('utf8')) as S3;
  const store = await openLocation(
    { apiVersion: 'cairn.dev/v1alpha1', kind: 'BackupLocation', metadata: { name: 'bench' }, spec: { provider: 's3', s3: { endpoint: s3.endpoint, bucket: s3.bucket, prefix: 'cairn', region: s3.region, credentials: { accessKeyIdFromEnv: 'AK', secretAccessKeyFromEnv: 'SK' } }, ...(process.env.ETCD_BENCH_ENCRYPT ? { encryption: { passphraseFromEnv: 'PP' } } : {}) }, source: { file: 'bench', line: 0, col: 0 } },
    { env: { AK: s3.accessKey, SK: s3.secretKey, PP: 'bench passphrase' } },
  );
  const members = connectMembers({ endpoints: [endpoint] });
  if (baseline) {
    // The same process with everything imported and connected, but no snapshot: what the
    // runtime (tsx, etcd3/gRPC, minio, pino) costs before any data flows.
    await members[0].client.maintenance.status();
    closeMembers(members);
    process.stdout.write(`${JSON.stringify({ ms: 0, maxRssKb: peakRssKb(), stored: 0, snapshot: 0 })}\n`);
    return;
  }
  // BENCH_MEMLOG=1: the composition of the peak (process.memoryUsage at the highest RSS sampled).
  let top: NodeJS.MemoryUsage | undefined;
  let topAt = 0;
  let lastHwm = 0;
  const sampler = process.env.BENCH_MEMLOG
    ? setInterval(() => {
        (globalThis as { gc?: (o?: unknown) => void }).gc?.(process.env.BENCH_GC_TYPE ? { type: process.env.BENCH_GC_TYPE } : undefined); // with NODE_OPTIONS=--expose-gc: the live set, not garbage
        const u = process.memoryUsage();
        if (!top || u.rss > top.rss) (top = u), (topAt = performance.now() - t);
        const hwm = peakRssKb() >> 10;
        if (hwm > lastHwm + 4) process.stderr.write(`    hwm ${hwm} MiB at ${Math.round(performance.now() - t)} ms (rss now ${u.rss >> 20})\n`), (lastHwm = hwm);
      }, 10)
    : undefined;
  const t = performance.now();
  const m = await runEtcdBackup({ members, store, name, policy: 'bench', location: 'bench', clusterName: 'bench', trigger: name, gzipLevel: Number(level) });
  const ms = performance.now() - t;
  if (sampler) {
    clearInterval(sampler);
    const mib = (n: number) => `${Math.round(n / 1048576)} MiB`;
    process.stderr.write(`  ${name} highest sample (at ${Math.round(topAt)} of ${Math.round(ms)} ms): rss ${mib(top!.rss)}, heap used ${mib(top!.heapUsed)} of ${mib(top!.heapTotal)}, external ${mib(top!.external)}, array buffers ${mib(top!.arrayBuffers)}\n`);
  }
  closeMembers(members);
  if (m.phase !== 'Completed') throw new Error(`backup ${name} ended ${m.phase}: ${m.errors.join('; ')}`);
  await store.deleteBackup(name); // bound radosgw's memstore
  process.stdout.write(`${JSON.stringify({ ms, maxRssKb: peakRssKb(), stored: payloadArtifact(m).size, snapshot: m.etcd!.snapshotSize })}\n`);
}

const BUNDLED = '.bench-build/bench/etcd.bench.js';
const SELF = process.env.BENCH_TSX ? ['bin/run-ts.js', 'bench/etcd.bench.ts'] : [BUNDLED];

function cairnBackup(endpoint: string, s3: S3, name: string, level: number): Promise<{ ms: number; maxRssKb: number; stored: number; snapshot: number }> {
  const proc = spawn(process.execPath, [...SELF, '--role', 'backup', endpoint, Buffer.from(JSON.stringify(s3)).toString('base64'), name, String(level)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let line: string | undefined;
    createInterface({ input: proc.stdout! }).on('line', (l) => (line ??= l));
    proc.on('exit', (code) => (code === 0 && line ? resolve(JSON.parse(line)) : reject(new Error(`backup process exited ${code}`))));
  });
}

// ---- the sequential floor ------------------------------------------------------------------
async function sequential(endpoint: string, s3: S3, dir: string, name: string): Promise<{ save: number; gzip: number; upload: number; total: number; gz: number }> {
  const file = join(dir, `${name}.db`);
  const t0 = performance.now();
  await run('etcdctl', ['--endpoints', endpoint, 'snapshot', 'save', file], { env: { ...process.env, ETCDCTL_API: '3' } });
  const t1 = performance.now();
  await run('gzip', ['-1', '-f', file]);
  const t2 = performance.now();
  const client = s3Client(s3);
  await client.fPutObject(s3.bucket, `floor/${name}.db.gz`, `${file}.gz`);
  const t3 = performance.now();
  const gz = (await stat(`${file}.gz`)).size;
  await client.removeObject(s3.bucket, `floor/${name}.db.gz`);
  await rm(`${file}.gz`, { force: true });
  return { save: t1 - t0, gzip: t2 - t1, upload: t3 - t2, total: t3 - t0, gz };
}

// ---- fill ----------------------------------------------------------------------------------
/** Values shaped like API objects in etcd: JSON-ish text with random ids (compresses ~4-6x, as etcd data does). */
function value(i: number): string {
  const parts: string[] = [];
  let n = 0;
  while (n < 96 * 1024) {
    const p = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-${i}-${n}","namespace":"bench","uid":"${randomBytes(16).toString('hex')}","resourceVersion":"${n + i}"},"data":{"payload":"${randomBytes(48).toString('base64')}"}}`;
    parts.push(p);
    n += p.length;
  }
  return parts.join('\n');
}

async function fillTo(endpoint: string, targetBytes: number): Promise<number> {
  const etcd = new Etcd3({ hosts: endpoint });
  let i = 0;
  try {
    for (;;) {
      const st = await etcd.maintenance.status();
      if (Number(st.dbSize) >= targetBytes) return Number(st.dbSize);
      await Promise.all(Array.from({ length: 16 }, () => etcd.put(`/registry/configmaps/bench/cm-${i++}`).value(value(i))));
    }
  } finally {
    etcd.close();
  }
}

async function main(): Promise<void> {
  const sizes = (process.env.ETCD_BENCH_SIZES ?? '256,1024').split(',').map(Number);
  const reps = Number(process.env.ETCD_BENCH_REPS ?? 3);
  const levels = (process.env.ETCD_BENCH_LEVELS ?? String(ETCD_GZIP_LEVEL)).split(',').map(Number);
  if (!process.env.BENCH_TSX) await bundle({ entryPoints: ['bench/etcd.bench.ts'], outbase: '.', outdir: '.bench-build' });
  console.log(`cairn runs as ${SELF.join(' ')}`);
  const rgw = await startRadosgw();
  const etcd = await startEtcdCluster({ members: 1, quotaBackendBytes: 8 * 1024 * MiB });
  const s3: S3 = { endpoint: rgw.endpoint, accessKey: rgw.accessKey, secretKey: rgw.secretKey, region: rgw.region, bucket: 'etcd-bench' };
  await s3Client(s3).makeBucket(s3.bucket, s3.region);
  const endpoint = etcd.endpoints[0];
  try {
    const base = await cairnBackup(endpoint, s3, '--baseline', 1);
    console.log(`cairn process after imports and connecting, no snapshot: peak RSS ${Math.round(base.maxRssKb / 1024)} MiB`);
    for (const mib of sizes) {
      const db = await fillTo(endpoint, mib * MiB);
      console.log(`db ${Math.round(db / MiB)} MiB (target ${mib} MiB)`);
      for (const level of levels) {
        const cairn: number[] = [];
        const floors: Awaited<ReturnType<typeof sequential>>[] = [];
        let rss = 0;
        let stored = 0;
        let snapshot = 0;
        // Alternate cairn and the floor so both see the same (noisy, shared) machine; run 0 warms up.
        for (let i = 0; i <= reps; i++) {
          const c = await cairnBackup(endpoint, s3, `b${mib}-${level}-${i}`, level);
          const f = await sequential(endpoint, s3, etcd.dir, `f${mib}-${level}-${i}`);
          rss = Math.max(rss, c.maxRssKb);
          stored = c.stored;
          snapshot = c.snapshot;
          if (i === 0) continue;
          cairn.push(c.ms);
          floors.push(f);
        }
        const floor = median(floors.map((f) => f.total));
        console.log(
          `~${mib} MiB db, gzip -${level}: cairn ${s(median(cairn))} s (runs ${cairn.map(s).join(', ')}); ` +
            `sequential ${s(floor)} s = save ${s(median(floors.map((f) => f.save)))} + gzip -1 ${s(median(floors.map((f) => f.gzip)))} + upload ${s(median(floors.map((f) => f.upload)))} ` +
            `(runs ${floors.map((f) => s(f.total)).join(', ')}); ratio ${(median(cairn) / floor).toFixed(2)} x; ` +
            `snapshot ${Math.round(snapshot / MiB)} MiB -> cairn ${Math.round(stored / MiB)} MiB, gzip -1 ${Math.round(floors[0].gz / MiB)} MiB; cairn peak RSS ${Math.round(rss / 1024)} MiB`,
        );
      }
    }
  } finally {
    await etcd.stop();
    await rgw.stop();
  }
}

if (process.argv[2] === '--role') await backupRole(process.argv[4], process.argv[5], process.argv[6], process.argv[7]);
else await main();
