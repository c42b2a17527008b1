// Storage benchmarks: inventory listing at thousands of backups, and encrypted streaming
// throughput with peak memory, against the filesystem provider and the real S3 server.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import { Client } from 'minio';
import { startRadosgw } from '../test/support/radosgw.ts';
import { writeIndex } from '../test/storage/fixtures.ts';
import type { BackupLocation, BackupLocationSpec } from '../src/api/types.ts';
import { layout, openLocation, type BackupStore } from '../src/storage/index.ts';

const BACKUPS = 5000;
const ARCHIVE_MIB = 256;

function loc(spec: BackupLocationSpec): BackupLocation {
  return { apiVersion: 'cairn.dev/v1alpha1', kind: 'BackupLocation', metadata: { name: 'bench' }, spec, source: { file: 'bench', line: 1, col: 1 } };
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

async function seed(store: BackupStore): Promise<number> {
  const t = performance.now();
  const limit = pLimit(32);
  const a = { file: 'x', sha256: '0'.repeat(64), size: 0 };
  await Promise.all(
    Array.from({ length: BACKUPS }, (_, i) =>
      limit(() => {
        const name = `kcm-${String(i).padStart(6, '0')}`;
        const now = new Date().toISOString();
        const m = { formatVersion: 1, name, phase: 'Completed', policy: 'kcm', location: 'bench', startTimestamp: now, completionTimestamp: now,
          cluster: { name: 'c', serverVersion: 'v1.30' }, engineVersion: '0', resources: [], itemCounts: {}, totalItems: 0, warnings: [], errors: [],
          artifacts: { resources: a, index: a, log: a } };
        return store.objects.put(layout.manifest(name), Buffer.from(JSON.stringify(m)));
      }),
    ),
  );
  return performance.now() - t;
}

async function run(label: string, store: BackupStore): Promise<void> {
  const seeded = await seed(store);
  const t0 = performance.now();
  const inv = await store.listInventory();
  const listMs = performance.now() - t0;
  if (inv.backups.length !== BACKUPS) throw new Error(`expected ${BACKUPS} backups, listed ${inv.backups.length}`);
  console.log(`${label}: seeded ${BACKUPS} manifests in ${(seeded / 1000).toFixed(1)} s; listInventory ${(listMs / 1000).toFixed(2)} s`);

  peakRss = process.memoryUsage().rss;
  let left = ARCHIVE_MIB;
  const chunk = randomBytes(1024 * 1024);
  const src = new Readable({ read() { this.push(left-- > 0 ? chunk : null); } });
  const w = store.beginBackup('big');
  const t1 = performance.now();
  await w.writeResources(src);
  const writeMs = performance.now() - t1;
  await writeIndex(w, []);
  await w.writeLog([]);
  await w.commit({ name: 'big', phase: 'Completed', policy: 'kcm', location: 'bench', startTimestamp: '', completionTimestamp: '',
    cluster: { name: 'c', serverVersion: 'v' }, engineVersion: '0', resources: [], itemCounts: {}, totalItems: 0, warnings: [], errors: [] });
  const t2 = performance.now();
  const f = await store.fetchResources('big');
  await pipeline(createReadStream(f.path), new Writable({ write: (_c, _e, d) => d() }));
  const fetchMs = performance.now() - t2;
  await f.cleanup();
  const mibs = (ms: number) => (ARCHIVE_MIB / (ms / 1000)).toFixed(0);
  console.log(`${label}: ${ARCHIVE_MIB} MiB encrypted write ${mibs(writeMs)} MiB/s, fetch+verify+decrypt ${mibs(fetchMs)} MiB/s, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
}

const env = { BENCH_PASS: 'bench-passphrase', BENCH_AK: '', BENCH_SK: '' };
const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-'));
try {
  await run('filesystem', await openLocation(loc({ provider: 'filesystem', filesystem: { path: dir }, encryption: { passphraseFromEnv: 'BENCH_PASS' } }), { env }));
} finally {
  await rm(dir, { recursive: true, force: true });
}
const rgw = await startRadosgw();
try {
  const u = new URL(rgw.endpoint);
  await new Client({ endPoint: u.hostname, port: Number(u.port), useSSL: false, accessKey: rgw.accessKey, secretKey: rgw.secretKey, region: rgw.region }).makeBucket('bench', rgw.region);
  env.BENCH_AK = rgw.accessKey;
  env.BENCH_SK = rgw.secretKey;
  const spec: BackupLocationSpec = {
    provider: 's3',
    s3: { endpoint: rgw.endpoint, bucket: 'bench', region: rgw.region, credentials: { accessKeyIdFromEnv: 'BENCH_AK', secretAccessKeyFromEnv: 'BENCH_SK' } },
    encryption: { passphraseFromEnv: 'BENCH_PASS' },
  };
  await run('s3 (radosgw)', await openLocation(loc(spec), { env }));
} finally {
  await rgw.stop();
  clearInterval(sampler);
}
