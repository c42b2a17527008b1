// runBackup end to end: the simulator through the real adapter, into real storage (filesystem
// temp dirs and the radosgw S3 server), archives opened with plain tar.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import { connectCluster, type ClusterClient } from '../../src/cluster/connect.ts';
import { runBackup } from '../../src/backup/run.ts';
import { BackupError } from '../../src/backup/types.ts';
import { openLocation, LockHeldError, type BackupStore } from '../../src/storage/index.ts';
import { API_VERSION, type BackupLocation, type ResourceSelection } from '../../src/api/types.ts';
import type { IndexEntry } from '../../src/storage/types.ts';
import { freshBucket, s3Client } from '../support/s3.ts';
import { bulkConfigMaps, teams } from './fixtures.ts';
import { extractAndCheck } from './archive-check.ts';

const fsLocation = (path: string): BackupLocation => ({
  apiVersion: API_VERSION,
  kind: 'BackupLocation',
  metadata: { name: 'local' },
  spec: { provider: 'filesystem', filesystem: { path } },
  source: { file: 'locations/local.yaml', line: 1, col: 1 },
});

let dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'cairn-backup-'));
  dirs.push(d);
  return d;
}

/** Records the order in which the provider finishes writing keys (observing, not replacing). */
function recordWrites(store: BackupStore): { started: string[]; finished: string[] } {
  const log = { started: [] as string[], finished: [] as string[] };
  const put = store.objects.put.bind(store.objects);
  store.objects.put = async (key, body) => {
    log.started.push(key);
    await put(key, body);
    log.finished.push(key);
  };
  return log;
}

async function backup(client: ClusterClient, store: BackupStore, name: string, selection: ResourceSelection = {}) {
  return runBackup({ client, store, name, policy: 'test', location: store.name, clusterName: 'sim', selection });
}

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});

describe('a 10,000-object backup', () => {
  let sim: Simulator;
  let client: ClusterClient;
  beforeAll(async () => {
    sim = await startSimulator({ objects: bulkConfigMaps(10_000, 10) });
    client = await connectCluster({ kubeconfigYaml: sim.kubeconfig() });
  });
  afterAll(async () => {
    client?.close();
    await sim?.stop();
  });

  it('to a filesystem location: Completed, every item in a tar that plain tar opens, manifest last', async () => {
    const root = await tempDir();
    const store = await openLocation(fsLocation(root));
    const writes = recordWrites(store);
    const progress: number[] = [];
    const manifest = await runBackup({
      client,
      store,
      name: 'bulk-1',
      policy: 'bulk',
      location: 'local',
      clusterName: 'sim',
      selection: { includedNamespaces: ['bulk-*'] },
      gitRevision: 'abc123',
      onProgress: (p) => progress.push(p.items),
    });

    expect(manifest.phase).toBe('Completed');
    expect(manifest.itemCounts).toEqual({ configmaps: 10_000, namespaces: 10 });
    expect(manifest.totalItems).toBe(10_010);
    expect(manifest.resources).toEqual(['configmaps', 'namespaces']);
    expect(manifest.cluster).toEqual({ name: 'sim', server: sim.url, serverVersion: expect.stringMatching(/^v1\./) });
    expect(manifest.gitRevision).toBe('abc123');
    expect(manifest.warnings).toEqual([]);
    expect(progress.at(-1)).toBe(10_010);

    // The manifest is the last object, started only after every other write finished.
    const manifestKey = 'backups/bulk-1/manifest.json';
    expect(writes.finished.at(-1)).toBe(manifestKey);
    const before = writes.finished.slice(0, -1);
    expect(before).toEqual(expect.arrayContaining(['backups/bulk-1/resources.tar.gz', 'backups/bulk-1/index.json.gz', 'backups/bulk-1/log.jsonl.gz']));
    expect(writes.started.indexOf(manifestKey)).toBe(writes.started.length - 1);

    const index = JSON.parse(gunzipSync(await readFile(join(root, 'backups/bulk-1/index.json.gz'))).toString()) as IndexEntry[];
    expect(index).toHaveLength(10_010);
    const { files, mismatches, dir } = await extractAndCheck(join(root, 'backups/bulk-1/resources.tar.gz'), index);
    dirs.push(dir);
    expect(mismatches).toEqual([]);
    expect(files).toEqual(index.map((e) => e.path).sort());
    expect(files).toContain('resources/configmaps/namespaces/bulk-3/config-000003.json');
    expect(files).toContain('resources/namespaces/cluster/bulk-3.json');
    const item = JSON.parse(await readFile(join(dir, 'resources/configmaps/namespaces/bulk-3/config-000003.json'), 'utf8'));
    expect(item).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-000003', namespace: 'bulk-3' } });

    const log = gunzipSync(await readFile(join(root, 'backups/bulk-1/log.jsonl.gz'))).toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(log.at(-1)).toMatchObject({ msg: 'backup finished', phase: 'Completed', items: 10_010 });
    expect(await store.verify('bulk-1')).toMatchObject({ ok: true, problems: [] });
  });

  it('steps aside for I/O while it archives a page: progress every 100 objects, the event loop turning in between', async () => {
    const store = await openLocation(fsLocation(await tempDir()));
    const items: number[] = [];
    let turned = true;
    let reportsWithoutTurn = 0;
    const manifest = await runBackup({
      client,
      store,
      name: 'one-page',
      policy: 'bulk',
      location: 'local',
      clusterName: 'sim',
      selection: { includedNamespaces: ['bulk-*'] },
      pageSize: 20_000, // every ConfigMap in one answer
      onProgress: (p) => {
        // Progress made since the last report must have let the event loop turn (I/O, timers).
        if (items.length > 0 && p.items > items.at(-1)! && !turned) reportsWithoutTurn++;
        turned = false;
        setImmediate(() => (turned = true));
        items.push(p.items);
      },
    });
    expect(manifest.phase).toBe('Completed');
    expect(manifest.totalItems).toBe(10_010);
    const steps = items.slice(1).map((x, i) => x - items[i]);
    expect(Math.max(...steps)).toBeLessThanOrEqual(100);
    expect(items.length).toBeGreaterThanOrEqual(100);
    // Where it waited for gzip instead, that wait ends in the poll phase, which a setImmediate
    // probe does not see; a yield that never left the microtask queue would miss nearly all.
    expect(reportsWithoutTurn).toBeLessThan(items.length / 10);
  });

  it('archives each object once when the server lists some twice and out of key order', async () => {
    const root = await tempDir();
    const store = await openLocation(fsLocation(root));
    sim.faults.misorderedLists = ['configmaps'];
    try {
      const manifest = await runBackup({ client, store, name: 'repeats', policy: 'bulk', location: 'local', clusterName: 'sim', selection: { includedNamespaces: ['bulk-*'] }, pageSize: 700 });
      expect(manifest.phase).toBe('Completed');
      expect(manifest.itemCounts).toEqual({ configmaps: 10_000, namespaces: 10 });
      const index = JSON.parse(gunzipSync(await readFile(join(root, 'backups/repeats/index.json.gz'))).toString()) as IndexEntry[];
      expect(index).toHaveLength(10_010);
      expect(new Set(index.map((e) => e.path)).size).toBe(10_010);
      const { files, mismatches, dir } = await extractAndCheck(join(root, 'backups/repeats/resources.tar.gz'), index);
      dirs.push(dir);
      expect(mismatches).toEqual([]);
      expect(files).toHaveLength(10_010);
      const log = gunzipSync(await readFile(join(root, 'backups/repeats/log.jsonl.gz'))).toString().trim().split('\n').map((l) => JSON.parse(l));
      // 15 pages of 700, each with one object twice.
      expect(log).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'the server listed objects more than once; each was archived once', resource: 'configmaps', repeated: 15 }));
    } finally {
      sim.faults.misorderedLists = [];
    }
  });

  it('to S3 (radosgw): Completed, verified by re-hashing every item', async () => {
    const { bucket, conn } = await freshBucket('cairn-backup');
    const store = await openLocation(
      {
        apiVersion: API_VERSION,
        kind: 'BackupLocation',
        metadata: { name: 's3' },
        spec: { provider: 's3', s3: { endpoint: conn.endpoint, bucket, prefix: 'prod', region: conn.region, credentials: { accessKeyIdFromEnv: 'AK', secretAccessKeyFromEnv: 'SK' } } },
        source: { file: 'locations/s3.yaml', line: 1, col: 1 },
      },
      { env: { AK: conn.accessKey, SK: conn.secretKey } },
    );
    const manifest = await backup(client, store, 'bulk-s3', { includedNamespaces: ['bulk-*'] });
    expect(manifest.phase).toBe('Completed');
    expect(manifest.totalItems).toBe(10_010);
    const result = await store.verify('bulk-s3');
    expect(result).toMatchObject({ ok: true, problems: [] });
    expect(result.itemsChecked).toBe(10_010);

    const keys: string[] = [];
    for await (const o of s3Client(conn).listObjectsV2(bucket, 'prod/', true)) keys.push((o as { name: string }).name);
    expect(keys.sort()).toEqual(['prod/backups/bulk-s3/index.json.gz', 'prod/backups/bulk-s3/log.jsonl.gz', 'prod/backups/bulk-s3/manifest.json', 'prod/backups/bulk-s3/resources.tar.gz', 'prod/cairn-location.json']);
  });
});

describe('selection, CRDs and failures', () => {
  let sim: Simulator;
  let client: ClusterClient;
  beforeAll(async () => {
    sim = await startSimulator({ objects: teams() });
    client = await connectCluster({ kubeconfigYaml: sim.kubeconfig(), retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 10 } });
  });
  afterAll(async () => {
    client?.close();
    await sim?.stop();
  });

  async function paths(root: string, name: string): Promise<string[]> {
    const index = JSON.parse(gunzipSync(await readFile(join(root, `backups/${name}/index.json.gz`))).toString()) as IndexEntry[];
    const { files, mismatches, dir } = await extractAndCheck(join(root, `backups/${name}/resources.tar.gz`), index);
    dirs.push(dir);
    expect(mismatches).toEqual([]);
    return files;
  }

  it('one namespace: its objects and custom resources, its Namespace, and the CRD they need — nothing else cluster-scoped', async () => {
    const root = await tempDir();
    const store = await openLocation(fsLocation(root));
    const manifest = await backup(client, store, 'team-a', { includedNamespaces: ['team-a'] });
    expect(manifest.phase).toBe('Completed');
    const files = await paths(root, 'team-a');
    expect(files).toEqual(
      expect.arrayContaining([
        'resources/widgets.example.com/namespaces/team-a/w1.json',
        'resources/widgets.example.com/namespaces/team-a/w2.json',
        'resources/deployments.apps/namespaces/team-a/web.json',
        'resources/secrets/namespaces/team-a/creds.json',
        'resources/namespaces/cluster/team-a.json',
        'resources/customresourcedefinitions.apiextensions.k8s.io/cluster/widgets.example.com.json',
      ]),
    );
    expect(files.filter((f) => f.includes('team-b'))).toEqual([]);
    expect(files.filter((f) => f.includes('gadget'))).toEqual([]);
    expect(files.filter((f) => f.includes('clusterroles'))).toEqual([]);
    expect(manifest.itemCounts['widgets.example.com']).toBe(2);
    expect(manifest.itemCounts['customresourcedefinitions.apiextensions.k8s.io']).toBe(1);
  });

  it('whole cluster by default: cluster-scoped resources and every CRD, never events or nodes', async () => {
    const root = await tempDir();
    const store = await openLocation(fsLocation(root));
    const manifest = await backup(client, store, 'all');
    expect(manifest.phase).toBe('Completed');
    const files = await paths(root, 'all');
    expect(files).toEqual(
      expect.arrayContaining([
        'resources/clusterroles.rbac.authorization.k8s.io/cluster/team-reader.json',
        'resources/customresourcedefinitions.apiextensions.k8s.io/cluster/gadgets.example.com.json',
        'resources/gadgets.example.com/namespaces/team-b/g1.json',
      ]),
    );
    expect(manifest.resources.filter((r) => ['events', 'events.events.k8s.io', 'nodes'].includes(r))).toEqual([]);
  });

  it('orLabelSelectors pick objects matching any selector; includeClusterResources: false keeps even the Namespace out (Velero)', async () => {
    const root = await tempDir();
    const store = await openLocation(fsLocation(root));
    const manifest = await backup(client, store, 'labels', {
      includedNamespaces: ['team-a'],
      includeClusterResources: false,
      orLabelSelectors: [{ matchLabels: { app: 'web' } }, { matchLabels: { nothing: 'here' } }],
    });
    const files = await paths(root, 'labels');
    expect(files).toEqual([
      'resources/deployments.apps/namespaces/team-a/web.json',
      'resources/widgets.example.com/namespaces/team-a/w1.json',
    ]);
    expect(manifest.phase).toBe('Completed');
  });

  it('a forbidden resource is skipped with a warning: PartiallyFailed', async () => {
    const root = await tempDir();
    const store = await openLocation(fsLocation(root));
    sim.faults.forbidden = ['secrets'];
    try {
      const manifest = await backup(client, store, 'forbidden', { includedNamespaces: ['team-a', 'team-b'] });
      expect(manifest.phase).toBe('PartiallyFailed');
      expect(manifest.warnings).toEqual(['secrets in namespace team-a: forbidden (403), skipped', 'secrets in namespace team-b: forbidden (403), skipped']);
      expect(manifest.itemCounts.secrets).toBeUndefined();
      expect(manifest.itemCounts['deployments.apps']).toBe(2);
      expect((await paths(root, 'forbidden')).filter((f) => f.startsWith('resources/secrets/'))).toEqual([]);
    } finally {
      sim.faults.forbidden = [];
    }
  });

  it('a list failing with 500 after its retries is an error: PartiallyFailed', async () => {
    const root = await tempDir();
    const store = await openLocation(fsLocation(root));
    sim.faults.failNext = [{ status: 500, count: 2, groupResource: 'deployments.apps' }];
    try {
      const manifest = await backup(client, store, 'flaky', { includedNamespaces: ['team-b'] });
      expect(manifest.phase).toBe('PartiallyFailed');
      expect(manifest.errors).toHaveLength(1);
      expect(manifest.errors[0]).toMatch(/^deployments\.apps in namespace team-b: list failed after 0 items: .*InternalError \(500\)/);
    } finally {
      sim.faults.failNext = [];
    }
  });

  it('an unreachable (unauthorized) cluster gives a Failed manifest, never a Completed one', async () => {
    const root = await tempDir();
    const store = await openLocation(fsLocation(root));
    sim.faults.unauthorized = true;
    try {
      const manifest = await backup(client, store, 'denied');
      expect(manifest.phase).toBe('Failed');
      expect(manifest.totalItems).toBe(0);
      expect(manifest.errors[0]).toContain('unauthorized (401)');
    } finally {
      sim.faults.unauthorized = false;
    }
  });

  it('refuses to run while another backup of the policy holds the lock, and writes nothing', async () => {
    const root = await tempDir();
    const store = await openLocation(fsLocation(root));
    const held = await store.acquireLock('test', 'someone-else', 60_000);
    try {
      await expect(backup(client, store, 'locked')).rejects.toBeInstanceOf(LockHeldError);
      expect(await readdir(join(root, 'backups')).catch(() => [])).toEqual([]);
    } finally {
      await held.release();
    }
    expect((await backup(client, store, 'after-lock')).phase).toBe('Completed');
  });

  it('the index failing to store stops the backup: the partial upload is removed and no manifest exists', async () => {
    const root = await tempDir();
    const store = await openLocation(fsLocation(root));
    // A directory where index.json.gz goes: the file system refuses the write.
    await mkdir(join(root, 'backups/no-index/index.json.gz'), { recursive: true });
    const err = await backup(client, store, 'no-index').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupError);
    expect((err as BackupError).code).toBe('backup.upload');
    expect((err as BackupError).message).toMatch(/^backup no-index: writing to location local failed, the partial upload was removed: .*EISDIR/);
    expect((await readdir(join(root, 'backups/no-index'))).sort()).toEqual(['index.json.gz']); // only what was there before
    expect((await store.listInventory()).backups.filter((b) => b.manifest)).toEqual([]);
  });

  it('cancelled midway: the partial upload is removed and no manifest exists', async () => {
    const root = await tempDir();
    const store = await openLocation(fsLocation(root));
    const ac = new AbortController();
    const err = await runBackup({
      client,
      store,
      name: 'cancelled',
      policy: 'test',
      location: 'local',
      clusterName: 'sim',
      selection: {},
      signal: ac.signal,
      onProgress: (p) => {
        if (p.resourcesDone === 3) ac.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupError);
    expect((err as BackupError).code).toBe('backup.aborted');
    const inventory = await store.listInventory();
    expect(inventory.backups.filter((b) => b.manifest)).toEqual([]);
    expect(await readdir(join(root, 'backups/cancelled')).catch(() => [])).toEqual([]);
  });
});
