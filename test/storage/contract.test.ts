// One contract suite, run against both providers: the real filesystem and the real S3
// server (Ceph radosgw) started by the global setup.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import pLimit from 'p-limit';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  BackupStore,
  IncompleteBackupError,
  IntegrityError,
  LockHeldError,
  WrongKeyError,
  CredentialsError,
  layout,
  openLocation,
  type BackupManifest,
} from '../../src/storage/index.ts';
import { CHUNK_SIZE, isSealed, manifestMac, unwrapDataKey } from '../../src/storage/crypto.ts';
import { readAll } from '../../src/storage/json-io.ts';
import { payloadArtifact } from '../../src/storage/manifest.ts';
import { makeArchive, manifestInput, providers, randomStream, sampleItems, writeIndex, type ProviderCase } from './fixtures.ts';

/** Writes one complete backup from sample items; returns its archive and manifest. */
async function writeBackup(store: BackupStore, name: string, items = sampleItems()) {
  const { archive, index } = await makeArchive(items);
  const w = store.beginBackup(name);
  await w.writeResources(Readable.from([archive]));
  await writeIndex(w, index);
  await w.writeLog([{ msg: 'backed up', items: index.length }]);
  const manifest = await w.commit(manifestInput(name));
  return { archive, index, manifest };
}

async function rewrite(store: BackupStore, key: string, edit: (b: Buffer) => Buffer): Promise<Buffer> {
  const next = edit(await readAll(await store.objects.get(key)));
  await store.objects.put(key, next);
  return next;
}

/**
 * Makes the manifest record `bytes` as the archive and re-authenticates it with the key (as
 * only a holder of the key could), so only the decryption can notice tampering.
 */
async function recordArchive(store: BackupStore, manifest: BackupManifest, bytes: Buffer, passphrase: string): Promise<void> {
  payloadArtifact(manifest).sha256 = createHash('sha256').update(bytes).digest('hex');
  payloadArtifact(manifest).size = bytes.length;
  const dataKey = await unwrapDataKey({ passphrase }, manifest.encryption!, manifest.name);
  manifest.encryption!.mac = manifestMac(dataKey, manifest);
  await store.objects.put(layout.manifest(manifest.name), Buffer.from(JSON.stringify(manifest)));
}

describe.each(providers)('storage contract: $provider', (pc: ProviderCase) => {
  const open = async (opts: { encrypted?: boolean } = {}) => {
    const f = await pc.fresh(opts);
    return { ...f, store: await openLocation(f.location, { env: f.env }) };
  };

  it('round-trips a backup: write → list → fetch gives the same bytes, verify passes', async () => {
    for (const encrypted of [false, true]) {
      const { store } = await open({ encrypted });
      const { archive, index, manifest } = await writeBackup(store, 'kcm-20261121060000');
      expect(payloadArtifact(manifest).file).toBe(encrypted ? 'resources.tar.gz.enc' : 'resources.tar.gz');
      expect(manifest.encryption !== undefined).toBe(encrypted);

      const inv = await store.listInventory();
      expect(inv.backups.map((b) => [b.name, b.incomplete, b.manifest?.phase])).toEqual([['kcm-20261121060000', false, 'Completed']]);
      const suffix = encrypted ? '.enc' : '';
      expect(inv.backups[0].files).toEqual([payloadArtifact(manifest).file, `index.json.gz${suffix}`, `log.jsonl.gz${suffix}`, 'manifest.json'].sort());

      const fetched = await store.fetchResources('kcm-20261121060000');
      expect((await readFile(fetched.path)).equals(archive)).toBe(true);
      await fetched.cleanup();
      await expect(readFile(fetched.path)).rejects.toThrow(/ENOENT/);

      expect(await store.readIndex('kcm-20261121060000')).toEqual(index);
      expect(await store.readLog('kcm-20261121060000')).toEqual([{ msg: 'backed up', items: 3 }]);
      const v = await store.verify('kcm-20261121060000');
      expect(v).toMatchObject({ ok: true, problems: [], itemsChecked: 3 });
    }
  });

  it('streams a 50 MiB archive through multipart upload, encrypted, and back', async () => {
    const { store } = await open({ encrypted: true });
    const src = randomStream(50 * 1024 * 1024);
    const w = store.beginBackup('kcm-big-1');
    const digest = await w.writeResources(src.stream);
    const plainSha = src.sha256();
    // 50 chunks, each with a 16-byte tag.
    expect(digest.size).toBe(50 * 1024 * 1024 + 50 * 16);
    const stored = await store.objects.stat(layout.resources('kcm-big-1', true));
    expect(stored?.size).toBe(digest.size);
    await writeIndex(w, []);
    await w.writeLog([]);
    await w.commit(manifestInput('kcm-big-1'));

    const fetched = await store.fetchResources('kcm-big-1');
    const hash = createHash('sha256');
    for await (const c of (await import('node:fs')).createReadStream(fetched.path)) hash.update(c as Buffer);
    expect(hash.digest('hex')).toBe(plainSha);
    await fetched.cleanup();
  });

  it('lists more than 1,000 backups through paged listings', async () => {
    const { store } = await open();
    const limit = pLimit(32);
    const names = Array.from({ length: 1050 }, (_, i) => `kcm-${String(i).padStart(5, '0')}`);
    const artifact = { file: 'x', sha256: '0'.repeat(64), size: 0 };
    await Promise.all(
      names.map((name) =>
        limit(() =>
          store.objects.put(
            layout.manifest(name),
            Buffer.from(JSON.stringify({ formatVersion: 1, ...manifestInput(name), artifacts: { resources: artifact, index: artifact, log: artifact } })),
          ),
        ),
      ),
    );
    await store.markExpiry('kcm-01049', { deleteAfter: '2026-11-22T00:00:00Z', reason: 'keep: 20', markedAt: '2026-11-21T00:00:00Z' });
    const inv = await store.listInventory();
    expect(inv.backups).toHaveLength(1050);
    expect(inv.backups.every((b) => b.manifest?.name === b.name && !b.incomplete)).toBe(true);
    expect(inv.backups.at(-1)?.expiry?.reason).toBe('keep: 20');
    expect(inv.backups[0].expiry).toBeUndefined();
  });

  it('shows an interrupted upload as incomplete and refuses to fetch it', async () => {
    const { store } = await open();
    const { archive, index } = await makeArchive(sampleItems());
    const w = store.beginBackup('kcm-interrupted');
    await w.writeResources(Readable.from([archive]));
    await writeIndex(w, index);
    // crash: no log, no manifest
    const inv = await store.listInventory();
    expect(inv.backups).toHaveLength(1);
    expect(inv.backups[0]).toMatchObject({ name: 'kcm-interrupted', incomplete: true });
    expect(inv.backups[0].manifest).toBeUndefined();
    await expect(store.fetchResources('kcm-interrupted')).rejects.toBeInstanceOf(IncompleteBackupError);
    await expect(w.commit(manifestInput('other'))).rejects.toThrow(/log/);

    await store.deleteIncomplete('kcm-interrupted');
    expect((await store.listInventory()).backups).toEqual([]);
  });

  it('deleteBackup removes the manifest first and everything else after', async () => {
    const { store } = await open();
    await writeBackup(store, 'kcm-a');
    await writeBackup(store, 'kcm-b');
    await store.deleteBackup('kcm-a');
    expect((await store.listInventory()).backups.map((b) => b.name)).toEqual(['kcm-b']);
    await expect(store.deleteIncomplete('kcm-b')).rejects.toThrow(/has a manifest/);
  });

  it('one flipped byte makes verify fail naming the artifact, and fetch refuses it', async () => {
    for (const encrypted of [false, true]) {
      const { store } = await open({ encrypted });
      const { manifest } = await writeBackup(store, 'kcm-flip');
      const file = payloadArtifact(manifest).file;
      await rewrite(store, layout.resources('kcm-flip', encrypted), (b) => {
        b[Math.floor(b.length / 2)] ^= 0x01;
        return b;
      });
      const v = await store.verify('kcm-flip');
      expect(v.ok).toBe(false);
      expect(v.problems).toContainEqual(
        expect.objectContaining({ artifact: file, expected: payloadArtifact(manifest).sha256, message: expect.stringContaining('sha256') }),
      );
      const err = await store.fetchResources('kcm-flip').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IntegrityError);
      expect((err as IntegrityError).artifact).toBe(file);
      expect((err as IntegrityError).code).toBe('storage.integrity');
    }
  });

  it('verify names an item whose content does not match the index', async () => {
    const { store } = await open();
    const items = sampleItems();
    const { archive, index } = await makeArchive(items);
    index[1].sha256 = 'f'.repeat(64);
    const w = store.beginBackup('kcm-item');
    await w.writeResources(Readable.from([archive]));
    await writeIndex(w, index);
    await w.writeLog([]);
    await w.commit(manifestInput('kcm-item'));
    const v = await store.verify('kcm-item');
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => p.artifact)).toEqual(['resources/configmaps/namespaces/team-a/cm-1.json']);
  });

  it('a wrong passphrase is a clear error, never garbage', async () => {
    const { store, location, env } = await open({ encrypted: true });
    await writeBackup(store, 'kcm-enc');
    const wrong = await openLocation(location, { env: { ...env, CAIRN_TEST_PASSPHRASE: 'not-the-passphrase' } });
    const err = await wrong.fetchResources('kcm-enc').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WrongKeyError);
    expect((err as WrongKeyError).code).toBe('storage.wrong-key');
    expect((err as Error).message).toMatch(/wrong passphrase or key file for backup kcm-enc/);
    // Listing needs no key at all.
    const noKey = await openLocation(location, { env: { ...env, CAIRN_TEST_PASSPHRASE: undefined } });
    expect((await noKey.listInventory()).backups).toHaveLength(1);
    await expect(noKey.fetchResources('kcm-enc')).rejects.toThrow(/CAIRN_TEST_PASSPHRASE.*not set/);
  });

  it('detects truncated ciphertext, at a chunk boundary and mid-chunk', async () => {
    const { store, env } = await open({ encrypted: true });
    // Incompressible content, so the ciphertext spans more than one chunk.
    const items = sampleItems(1).map((i) => ({ ...i, body: { blob: randomBytes(1_200_000).toString('base64') } }));
    const { manifest } = await writeBackup(store, 'kcm-trunc', items);
    const key = layout.resources('kcm-trunc', true);
    const original = await readAll(await store.objects.get(key));
    const record = CHUNK_SIZE + 16;
    expect(original.length).toBeGreaterThan(record); // at least two chunks
    for (const cut of [record, original.length - 7]) {
      const truncated = original.subarray(0, cut);
      await store.objects.put(key, truncated);
      await recordArchive(store, manifest, truncated, env.CAIRN_TEST_PASSPHRASE!);
      const err = await store.fetchResources('kcm-trunc').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IntegrityError);
      expect((err as Error).message).toMatch(/resources\.tar\.gz\.enc failed authentication/);
    }
  });

  it('detects reordered chunks', async () => {
    const { store, env } = await open({ encrypted: true });
    // A three-chunk ciphertext from a 2.5 MiB payload.
    const big = store.beginBackup('kcm-order2');
    await big.writeResources(randomStream(2.5 * CHUNK_SIZE).stream);
    await writeIndex(big, []);
    await big.writeLog([]);
    const m2 = await big.commit(manifestInput('kcm-order2'));
    const key = layout.resources('kcm-order2', true);
    const ct = await readAll(await store.objects.get(key));
    const r = CHUNK_SIZE + 16;
    const swapped = Buffer.concat([ct.subarray(r, 2 * r), ct.subarray(0, r), ct.subarray(2 * r)]);
    await store.objects.put(key, swapped);
    await recordArchive(store, m2, swapped, env.CAIRN_TEST_PASSPHRASE!);
    const err = await store.fetchResources('kcm-order2').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(/chunk 0/);
    expect(m2.encryption?.algorithm).toBe('AES-256-GCM');
  });

  it('locks: a second acquire fails naming the holder; an expired lock is taken over by exactly one contender', async () => {
    const { store } = await open();
    const lock = await store.acquireLock('kcm', 'host-1/pid 42', 60_000);
    const err = await store.acquireLock('kcm', 'host-2/pid 7', 60_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockHeldError);
    expect((err as Error).message).toBe(`backup of policy kcm is already running (held by host-1/pid 42 until ${lock.info.expires})`);
    expect((await store.listInventory()).locks).toEqual([lock.info]);
    await lock.release();
    expect((await store.listInventory()).locks).toEqual([]);

    // Expiry: a lock with a past expiry; two contenders race to take it over.
    const stale = await store.acquireLock('kcm', 'host-1/pid 42', -1000);
    const results = await Promise.allSettled([store.acquireLock('kcm', 'host-2/pid 7', 60_000), store.acquireLock('kcm', 'host-3/pid 9', 60_000)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost[0].reason).toBeInstanceOf(LockHeldError);
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<BackupStore['acquireLock']>>>).value;
    expect((lost[0].reason as LockHeldError).holder).toBe(winner.info.holder);
    // The old holder's late release leaves the new holder's lock in place.
    await stale.release();
    expect((await store.listInventory()).locks.map((l) => l.holder)).toEqual([winner.info.holder]);
  });

  it('never writes credentials into manifests, listings, inventory JSON or logs', async () => {
    const { store: _unused, location, env, secrets } = await open({ encrypted: true });
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }));
    const store = await openLocation(location, { env, logger });
    const { manifest } = await writeBackup(store, 'kcm-secret');
    const lock = await store.acquireLock('kcm', 'host-1', 60_000);
    await store.verify('kcm-secret');
    await store.markExpiry('kcm-secret', { deleteAfter: '2026-11-22T00:00:00Z', reason: 'ttl', markedAt: '2026-11-21T00:00:00Z' });
    await store.writeRestoreResult('r1', { items: 3 });
    const inventory = JSON.stringify(await store.listInventory());
    const stored: string[] = [];
    for await (const obj of store.objects.list('')) {
      if (obj.key.endsWith('.enc')) continue;
      const raw = await readAll(await store.objects.get(obj.key));
      if (isSealed(raw)) continue; // the restore result, encrypted
      stored.push(obj.key.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8'));
    }
    expect(stored.length).toBe(4); // marker, manifest, expiry, lock (archive, index, log and restore result are ciphertext)
    await lock.release();
    await store.deleteBackup('kcm-secret');

    // Every plaintext metadata object that was ever written is covered by these reads.
    const texts = [JSON.stringify(manifest), inventory, lines.join(''), store.objects.description, ...stored];
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of secrets) for (const t of texts) expect(t).not.toContain(secret);

    // A missing credential names the variable and the location, never a value.
    if (location.spec.provider === 's3') {
      const err = await openLocation(location, { env: { ...env, CAIRN_TEST_S3_SECRET: undefined } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CredentialsError);
      expect((err as Error).message).toBe(
        'location primary: environment variable CAIRN_TEST_S3_SECRET (spec.s3.credentials.secretAccessKeyFromEnv) is not set; export it before running cairn',
      );
    }
  });

  it('stores and reads restore results', async () => {
    const { store } = await open();
    expect(await store.readRestoreResult('rollback')).toBeUndefined();
    await store.writeRestoreResult('rollback', { phase: 'Completed', items: [{ name: 'a', outcome: 'created' }] });
    expect(await store.readRestoreResult('rollback')).toEqual({ phase: 'Completed', items: [{ name: 'a', outcome: 'created' }] });
    expect((await store.listInventory()).restores).toEqual(['rollback']);
  });
});

describe('filesystem provider: directories', () => {
  it('deleting a backup, or a write that fails, leaves no empty directory behind', async () => {
    const fsCase = providers.find((p) => p.provider === 'filesystem')!;
    const f = await fsCase.fresh();
    const store = await openLocation(f.location, { env: f.env });
    const root = (f.location.spec as { filesystem: { path: string } }).filesystem.path;
    await writeBackup(store, 'kcm-a');
    await writeBackup(store, 'kcm-b');
    await store.deleteBackup('kcm-a');
    expect(existsSync(join(root, 'backups', 'kcm-a'))).toBe(false);
    expect(existsSync(join(root, 'backups', 'kcm-b', 'manifest.json'))).toBe(true);

    // The first write of a backup fails mid-stream (the cluster went away, say).
    const w = store.beginBackup('kcm-c');
    let sent = false;
    const failing = new Readable({
      read() {
        if (sent) this.destroy(new Error('the cluster went away'));
        else this.push(randomBytes(64 * 1024));
        sent = true;
      },
    });
    await expect(w.writeResources(failing)).rejects.toThrow(/went away/);
    expect(existsSync(join(root, 'backups', 'kcm-c'))).toBe(false);
    expect(readdirSync(join(root, 'backups')).sort()).toEqual(['kcm-b']);
  });

  it('a write refused at the last step leaves no temporary file; an abort removes every object it can', async () => {
    const fsCase = providers.find((p) => p.provider === 'filesystem')!;
    const f = await fsCase.fresh();
    const store = await openLocation(f.location, { env: f.env });
    const root = (f.location.spec as { filesystem: { path: string } }).filesystem.path;
    // Something that is not an object sits where the index goes: the rename into place fails.
    mkdirSync(join(root, 'backups', 'kcm-d', 'index.json.gz'), { recursive: true });
    const w = store.beginBackup('kcm-d');
    await w.writeResources(Readable.from([randomBytes(1024)]));
    await expect(writeIndex(w, [])).rejects.toThrow();
    await w.writeLog([{ msg: 'written after the failure' }]);
    expect(readdirSync(join(root, 'backups', 'kcm-d')).sort()).toEqual(['index.json.gz', 'log.jsonl.gz', 'resources.tar.gz']);
    // The index's path cannot be deleted (it is a directory); the objects after it still are.
    await w.abort();
    expect(readdirSync(join(root, 'backups', 'kcm-d'))).toEqual(['index.json.gz']);
  });
});
