// etcd backups on real parts (issue 14): Debian's etcd started here, radosgw and filesystem
// locations, encrypted and not; cairn's and etcd's checksums; tamper detection.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocation } from '../../src/storage/open.ts';
import { readAll } from '../../src/storage/json-io.ts';
import { runEtcdBackup } from '../../src/backup/etcd.ts';
import { closeMembers, connectMembers } from '../../src/etcd/connect.ts';
import { EtcdHashCheck } from '../../src/etcd/snapshot-hash.ts';
import { payloadArtifact } from '../../src/storage/manifest.ts';
import { layout } from '../../src/storage/layout.ts';
import { providers } from '../storage/fixtures.ts';
import { startEtcdCluster, type EtcdTestCluster } from '../support/etcd.ts';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getEventListeners } from 'node:events';

const run = promisify(execFile);

let etcd: EtcdTestCluster;

beforeAll(async () => {
  etcd = await startEtcdCluster({ members: 1 });
  for (let i = 0; i < 200; i++) await etcd.etcdctl(['put', `/registry/configmaps/default/cm-${i}`, `value-${i}-${'x'.repeat(200)}`]);
  // Enough data that a snapshot spans many gRPC messages (the tamper proxy acts mid-stream).
  for (let i = 0; i < 40; i++) await etcd.etcdctl(['put', `/registry/secrets/default/s-${i}`, randomBytes(48 * 1024).toString('base64')]);
});
afterAll(async () => etcd?.stop());

async function backup(store: Awaited<ReturnType<typeof openLocation>>, name: string) {
  const members = connectMembers({ endpoints: etcd.endpoints });
  try {
    return await runEtcdBackup({ members, store, name, policy: 'etcd', location: 'primary', clusterName: 'cp', trigger: name.replace(/^etcd-/, '') });
  } finally {
    closeMembers(members);
  }
}

/** `etcdctl snapshot status` of the decrypted, gunzipped snapshot: hash, revision, total keys. */
async function snapshotStatus(db: Buffer): Promise<{ hash: number; revision: number; totalKey: number; totalSize: number }> {
  const file = join(etcd.dir, `check-${Date.now()}.db`);
  await writeFile(file, db);
  const { stdout } = await run('etcdctl', ['snapshot', 'status', file, '-w', 'json'], { env: { ...process.env, ETCDCTL_API: '3' } });
  return JSON.parse(stdout);
}

describe.each(providers.map((p) => [p.provider, p] as const))('etcd backup to %s', (_provider, provider) => {
  it.each([false, true])('encrypted=%s: streams a snapshot etcdctl accepts, records both checksums, verifies', async (encrypted) => {
    const { location, env, secrets } = await provider.fresh({ encrypted });
    const store = await openLocation(location, { env });
    // Read the ids as text: they are uint64s, beyond a JSON number's precision.
    const raw = await etcd.etcdctl(['endpoint', 'status', '-w', 'json']);
    const big = (field: string) => BigInt(new RegExp(`"${field}":(\\d+)`).exec(raw)![1]).toString(16);
    const manifest = await backup(store, 'etcd-a');
    expect(manifest.phase).toBe('Completed');
    expect(manifest.type).toBe('etcd');
    expect(manifest.errors).toEqual([]);
    const file = encrypted ? 'etcd.db.gz.enc' : 'etcd.db.gz';
    expect(payloadArtifact(manifest).file).toBe(file);
    expect(Object.keys(manifest.artifacts).sort()).toEqual(['etcd', 'log']);
    expect(manifest.etcd).toMatchObject({
      version: '3.4.23',
      clusterId: big('cluster_id'),
      member: { id: big('member_id'), name: 'm0', endpoint: etcd.endpoints[0] },
      revision: Number(/"revision":(\d+)/.exec(raw)![1]),
    });
    expect(manifest.etcd!.dbSize).toBeGreaterThan(0);
    expect(manifest.etcd!.snapshotSize % 512).toBe(32);

    // The stored bytes: no plaintext in an encrypted location; the snapshot inside is etcd's.
    const stored = await readAll(await store.objects.get(layout.etcd('etcd-a', encrypted)));
    expect(stored.length).toBe(payloadArtifact(manifest).size);
    if (encrypted) {
      expect(stored.subarray(0, 2)).not.toEqual(Buffer.from([0x1f, 0x8b]));
      for (const s of secrets) expect(stored.includes(Buffer.from(s))).toBe(false);
    } else {
      const db = gunzipSync(stored);
      expect(db.length).toBe(manifest.etcd!.snapshotSize);
      expect(db.subarray(db.length - 32).toString('hex')).toBe(manifest.etcd!.etcdSha256);
      const st = await snapshotStatus(db);
      expect(st.revision).toBe(manifest.etcd!.revision);
      expect(st.totalKey).toBeGreaterThanOrEqual(200);
    }

    expect(await store.verify('etcd-a')).toEqual({ name: 'etcd-a', ok: true, problems: [], itemsChecked: 0, etcdSnapshot: { sha256: manifest.etcd!.etcdSha256, size: manifest.etcd!.snapshotSize } });
    const inv = await store.listInventory();
    expect(inv.backups.map((b) => [b.name, b.files])).toEqual([['etcd-a', [file, `log.jsonl.gz${encrypted ? '.enc' : ''}`, 'manifest.json']]]);

    // A flipped byte in storage: cairn's sha256 names it (and, unencrypted, so does gunzip/etcd's hash).
    const flipped = Buffer.from(stored);
    flipped[Math.floor(flipped.length / 2)] ^= 0xff;
    await store.objects.put(layout.etcd('etcd-a', encrypted), flipped);
    const bad = await store.verify('etcd-a');
    expect(bad.ok).toBe(false);
    expect(bad.problems).toContainEqual(expect.objectContaining({ artifact: file, message: expect.stringContaining('sha256/size mismatch') }));

    // Truncated in storage.
    await store.objects.put(layout.etcd('etcd-a', encrypted), stored.subarray(0, stored.length - 100));
    const cut = await store.verify('etcd-a');
    expect(cut.ok).toBe(false);
    expect(cut.problems.map((p) => p.message).join('\n')).toMatch(/sha256\/size mismatch/);

    // A resource restore refuses it and says what to run instead.
    await expect(store.fetchResources('etcd-a')).rejects.toThrow(/is an etcd snapshot.*cairn etcd restore etcd-a/);
  });
});

describe("etcd's own hash", () => {
  async function snapshotBytes(): Promise<Buffer> {
    const file = join(etcd.dir, 'ref.db');
    await etcd.etcdctl(['snapshot', 'save', file]);
    return readFile(file);
  }
  async function check(bytes: Buffer) {
    const c = new EtcdHashCheck('snap');
    await pipeline(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000, 1010), bytes.subarray(1010)]), c, new Writable({ write: (_c, _e, d) => d() }));
    return c.result();
  }

  it("accepts etcdctl's snapshot and reads the hash etcd appended", async () => {
    const bytes = await snapshotBytes();
    expect(await check(bytes)).toEqual({ size: bytes.length, sha256: bytes.subarray(bytes.length - 32).toString('hex') });
  });

  it('refuses a database that does not match the hash, and a truncated stream', async () => {
    const bytes = await snapshotBytes();
    const flipped = Buffer.from(bytes);
    flipped[4096 + 17] ^= 1;
    await expect(check(flipped)).rejects.toMatchObject({ code: 'etcd.snapshot-hash', message: expect.stringContaining("does not match etcd's sha256") });
    await expect(check(bytes.subarray(0, bytes.length - 512))).rejects.toMatchObject({ code: 'etcd.snapshot-hash' });
    await expect(check(bytes.subarray(0, bytes.length - 7))).rejects.toMatchObject({ code: 'etcd.snapshot-truncated' });
  });
});

/**
 * A TCP proxy in front of the etcd member that lets the health check through and then, in the
 * snapshot's bytes (etcd → cairn), flips one byte or cuts the connection: what a bad disk, a bad
 * NIC or a dying member does to a snapshot stream, on the real gRPC connection.
 */
async function tamperProxy(target: string, mode: 'flip' | 'cut', at: number): Promise<{ endpoint: string; close(): Promise<void> }> {
  const u = new URL(target);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(u.port), u.hostname);
    sockets.add(client).add(upstream);
    let seen = 0;
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      const from = seen;
      seen += chunk.length;
      if (from <= at && at < seen) {
        if (mode === 'cut') {
          client.write(chunk.subarray(0, at - from));
          client.destroy();
          upstream.destroy();
          return;
        }
        chunk[at - from] ^= 0x5a;
      }
      client.write(chunk);
    });
    upstream.on('end', () => client.end());
    for (const s of [client, upstream]) s.on('error', () => undefined).on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('a snapshot stream that goes bad on the way', () => {
  async function viaProxy(mode: 'flip' | 'cut', name: string) {
    const { location, env } = await providers[0].fresh();
    const store = await openLocation(location, { env });
    const proxy = await tamperProxy(etcd.endpoints[0], mode, 1_000_000);
    const members = connectMembers({ endpoints: [proxy.endpoint] });
    try {
      return { store, manifest: await runEtcdBackup({ members, store, name, policy: 'etcd', location: 'primary', clusterName: 'cp', trigger: name }) };
    } finally {
      closeMembers(members);
      await proxy.close();
    }
  }

  it("a flipped byte: etcd's hash does not match, the backup is Failed and holds no snapshot", async () => {
    const { store, manifest } = await viaProxy('flip', 'flipped');
    expect(manifest.phase).toBe('Failed');
    expect(manifest.etcd).toBeUndefined();
    expect(manifest.errors[0]).toMatch(/^the snapshot from m0 \(http:\/\/127\.0\.0\.1:\d+\): the database does not match etcd's sha256 appended to it/);
    // What is stored is an empty snapshot, never the bad bytes; it verifies as what it is.
    expect(gunzipSync(await readAll(await store.objects.get(layout.etcd('flipped', false)))).length).toBe(0);
    expect((await store.verify('flipped')).ok).toBe(true);
  });

  it('a stream cut midway: Failed, naming the member', async () => {
    const { manifest } = await viaProxy('cut', 'cut');
    expect(manifest.phase).toBe('Failed');
    expect(manifest.etcd).toBeUndefined();
    expect(manifest.errors[0]).toMatch(/^the snapshot stream from m0 \(http:\/\/127\.0\.0\.1:\d+\) failed: /);
  });

  it("leaves no listener on the engine's stop signal, which outlives every backup", async () => {
    const { location, env } = await providers[0].fresh();
    const store = await openLocation(location, { env });
    const stop = new AbortController();
    const members = connectMembers({ endpoints: etcd.endpoints });
    try {
      for (const name of ['etcd-s1', 'etcd-s2', 'etcd-s3']) {
        const m = await runEtcdBackup({ members, store, name, policy: 'etcd', location: 'primary', clusterName: 'cp', signal: stop.signal });
        expect(m.phase).toBe('Completed');
      }
    } finally {
      closeMembers(members);
    }
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('takes the policy lock: a second backup of the policy meanwhile fails naming the holder', async () => {
    const { location, env } = await providers[0].fresh();
    const store = await openLocation(location, { env });
    const held = await store.acquireLock('etcd', 'another-engine', 60_000);
    try {
      await expect(backup(store, 'etcd-locked')).rejects.toThrow(/another-engine/);
    } finally {
      await held.release();
    }
    expect((await backup(store, 'etcd-unlocked')).phase).toBe('Completed');
  });
});
