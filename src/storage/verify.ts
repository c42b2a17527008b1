// `cairn backups verify`: re-read and re-hash every artifact and every item in the archive
// against index.json.gz, and name every mismatch.
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Writable, type Readable, type Transform } from 'node:stream';
import tar from 'tar-stream';
import type { ObjectStore } from './object-store.ts';
import type { ArtifactDigest, BackupManifest, IndexEntry } from './types.ts';
import { layout } from './layout.ts';
import { unsupportedFormat } from './format.ts';
import { DigestStream, sha256Hex } from './digest.ts';
import { decryptStream, unwrapDataKey, type KeySource } from './crypto.ts';
import { readAll } from './json-io.ts';
import { gunzipSync } from 'node:zlib';
import { isEtcdBackup, resourceArtifacts } from './manifest.ts';
import { EtcdHashCheck } from '../etcd/snapshot-hash.ts';
import type { EtcdArtifacts } from './types.ts';

export interface VerifyProblem {
  /** Artifact file name, or the item's path inside the archive. */
  artifact: string;
  message: string;
  expected?: string;
  actual?: string;
}

export interface VerifyResult {
  name: string;
  ok: boolean;
  problems: VerifyProblem[];
  /** Items whose content was re-hashed. */
  itemsChecked: number;
  /** An etcd backup: the snapshot inside, whose etcd sha256 was checked. */
  etcdSnapshot?: { sha256: string; size: number };
}

function compare(d: ArtifactDigest, actual: { sha256: string; size: number }, problems: VerifyProblem[]): boolean {
  if (actual.sha256 === d.sha256 && actual.size === d.size) return true;
  problems.push({
    artifact: d.file,
    message: `${d.file}: sha256/size mismatch (${actual.size} bytes stored, ${d.size} recorded)`,
    expected: d.sha256,
    actual: actual.sha256,
  });
  return false;
}

/** Hashes every regular file in a tar.gz stream: path → digest. */
async function hashArchive(source: Readable, stages: Transform[]): Promise<Map<string, { sha256: string; size: number }>> {
  const extract = tar.extract();
  const items = new Map<string, { sha256: string; size: number }>();
  const feeding = pipeline([source, ...stages, createGunzip(), extract]);
  const reading = (async () => {
    for await (const entry of extract) {
      const h = createHash('sha256');
      let size = 0;
      for await (const c of entry) {
        h.update(c as Buffer);
        size += (c as Buffer).length;
      }
      if (entry.header.type === 'file') items.set(entry.header.name, { sha256: h.digest('hex'), size });
    }
  })();
  const [fed, read] = await Promise.allSettled([feeding, reading]);
  if (fed.status === 'rejected') throw fed.reason;
  if (read.status === 'rejected') throw read.reason;
  return items;
}

export async function verifyBackup(
  store: ObjectStore,
  manifest: BackupManifest,
  keySource: (() => Promise<KeySource>) | undefined,
): Promise<VerifyResult> {
  if (isEtcdBackup(manifest)) return verifyEtcdBackup(store, manifest, keySource);
  const artifacts = resourceArtifacts(manifest)!;
  const { name } = manifest;
  const problems: VerifyProblem[] = [];
  const format = unsupportedFormat(manifest);
  if (format) return { name, ok: false, problems: [{ artifact: 'manifest.json', message: format }], itemsChecked: 0 };

  // Small artifacts: index and log.
  let index: IndexEntry[] | undefined;
  const indexBytes = await readAll(await store.get(layout.index(name))).catch((err: Error) => {
    problems.push({ artifact: artifacts.index.file, message: `${artifacts.index.file}: ${err.message}` });
    return undefined;
  });
  if (indexBytes && compare(artifacts.index, { sha256: sha256Hex(indexBytes), size: indexBytes.length }, problems)) {
    index = JSON.parse(gunzipSync(indexBytes).toString('utf8')) as IndexEntry[];
  }
  const logBytes = await readAll(await store.get(layout.log(name))).catch((err: Error) => {
    problems.push({ artifact: artifacts.log.file, message: `${artifacts.log.file}: ${err.message}` });
    return undefined;
  });
  if (logBytes) compare(artifacts.log, { sha256: sha256Hex(logBytes), size: logBytes.length }, problems);

  // The archive: outer hash and every item in one pass.
  const resKey = layout.resources(name, manifest.encryption !== undefined);
  const digest = new DigestStream();
  const stages: Transform[] = [digest];
  let items: Map<string, { sha256: string; size: number }> | undefined;
  try {
    if (manifest.encryption) {
      if (!keySource) throw new Error('the location has no encryption configured, so the items cannot be decrypted');
      const dataKey = await unwrapDataKey(await keySource(), manifest.encryption, `backup ${name}`);
      stages.push(decryptStream(dataKey, manifest.encryption, artifacts.resources.file));
    }
    items = await hashArchive(await store.get(resKey), stages);
  } catch (err) {
    problems.push({ artifact: artifacts.resources.file, message: `${artifacts.resources.file}: cannot read the items: ${(err as Error).message}` });
  }
  if (digest.writableFinished) compare(artifacts.resources, digest.result(), problems);
  else {
    // The item pass stopped early: hash the stored bytes on their own to say whether they changed.
    const again = new DigestStream();
    await pipeline(await store.get(resKey), again, new Writable({ write: (_c, _e, done) => done() }));
    compare(artifacts.resources, again.result(), problems);
  }

  if (items && index) {
    for (const entry of index) {
      const got = items.get(entry.path);
      if (!got) problems.push({ artifact: entry.path, message: `${entry.path}: listed in ${artifacts.index.file} but missing from the archive` });
      else if (got.sha256 !== entry.sha256 || got.size !== entry.size) {
        problems.push({ artifact: entry.path, message: `${entry.path}: content does not match ${artifacts.index.file}`, expected: entry.sha256, actual: got.sha256 });
      }
      items.delete(entry.path);
    }
    for (const path of items.keys()) problems.push({ artifact: path, message: `${path}: in the archive but not in ${artifacts.index.file}` });
  }
  return { name, ok: problems.length === 0, problems, itemsChecked: index?.length ?? 0 };
}

async function verifyLog(store: ObjectStore, manifest: BackupManifest, log: ArtifactDigest, problems: VerifyProblem[]): Promise<void> {
  const bytes = await readAll(await store.get(layout.log(manifest.name))).catch((err: Error) => {
    problems.push({ artifact: log.file, message: `${log.file}: ${err.message}` });
    return undefined;
  });
  if (bytes) compare(log, { sha256: sha256Hex(bytes), size: bytes.length }, problems);
}

/**
 * An etcd backup: cairn's sha256 of the stored etcd.db.gz[.enc], then (decrypted, gunzipped)
 * etcd's own sha256 appended to the snapshot, and that it is the one recorded when it was taken.
 */
async function verifyEtcdBackup(
  store: ObjectStore,
  manifest: BackupManifest & { artifacts: EtcdArtifacts },
  keySource: (() => Promise<KeySource>) | undefined,
): Promise<VerifyResult> {
  const { name, artifacts } = manifest;
  const problems: VerifyProblem[] = [];
  await verifyLog(store, manifest, artifacts.log, problems);
  const key = layout.etcd(name, manifest.encryption !== undefined);
  const digest = new DigestStream();
  const check = new EtcdHashCheck(artifacts.etcd.file);
  const stages: Transform[] = [digest];
  try {
    if (manifest.encryption) {
      if (!keySource) throw new Error('the location has no encryption configured, so the snapshot cannot be decrypted');
      const dataKey = await unwrapDataKey(await keySource(), manifest.encryption, `backup ${name}`);
      stages.push(decryptStream(dataKey, manifest.encryption, artifacts.etcd.file));
    }
    // A Failed backup holds no snapshot (manifest.etcd absent): only cairn's own digest applies.
    const etcdStages = manifest.etcd ? [createGunzip(), check] : [];
    await pipeline([await store.get(key), ...stages, ...etcdStages, new Writable({ write: (_c, _e, done) => done() })]);
  } catch (err) {
    problems.push({ artifact: artifacts.etcd.file, message: `${artifacts.etcd.file}: ${(err as Error).message}` });
  }
  if (!digest.writableFinished) {
    const again = new DigestStream();
    await pipeline(await store.get(key), again, new Writable({ write: (_c, _e, done) => done() }));
    compare(artifacts.etcd, again.result(), problems);
  } else compare(artifacts.etcd, digest.result(), problems);
  const got = check.result();
  if (got && manifest.etcd && (got.sha256 !== manifest.etcd.etcdSha256 || got.size !== manifest.etcd.snapshotSize)) {
    problems.push({
      artifact: artifacts.etcd.file,
      message: `${artifacts.etcd.file}: the snapshot inside is not the one taken (etcd sha256 ${got.sha256}, ${got.size} bytes; recorded ${manifest.etcd.etcdSha256}, ${manifest.etcd.snapshotSize} bytes)`,
      expected: manifest.etcd.etcdSha256,
      actual: got.sha256,
    });
  }
  return { name, ok: problems.length === 0, problems, itemsChecked: 0, ...(got ? { etcdSnapshot: got } : {}) };
}
