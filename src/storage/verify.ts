// `cairn backups verify`: re-read and re-hash every artifact and every item in the archive
// against index.json.gz, and name every mismatch. Memory is bounded: the index is streamed row
// by row beside the archive, whose entries come in the same order (backup/archive.ts writes the
// row as it archives the item).
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { PassThrough, Writable, type Readable, type Transform } from 'node:stream';
import tar from 'tar-stream';
import type { ObjectStore } from './object-store.ts';
import type { ArtifactDigest, BackupManifest, IndexEntry } from './types.ts';
import { archiveEntryProblem, layout } from './layout.ts';
import { unsupportedFormat } from './format.ts';
import { DigestStream } from './digest.ts';
import { artifactKey, decryptStream } from './crypto.ts';
import { jsonArrayRows } from './json-rows.ts';
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

/** Past this many item problems the rest are summarised in one line. */
const MAX_ITEM_PROBLEMS = 100;

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

/** The stored bytes of `key` through digest → (decrypt) → gunzip, as a readable; `done` settles when all of it was read. */
async function open(store: ObjectStore, key: string, digest: DigestStream, decrypt: Transform | undefined): Promise<{ out: PassThrough; done: Promise<void> }> {
  const out = new PassThrough();
  const stages: (Readable | Transform | PassThrough)[] = [await store.get(key), digest, ...(decrypt ? [decrypt] : []), createGunzip(), out];
  const done = pipeline(stages as [Readable, ...Transform[]]);
  done.catch(() => undefined); // reported through `out` and awaited by the caller
  return { out, done };
}

/** Hashes the stored bytes of an artifact alone (when a pass through its content stopped early). */
async function hashStored(store: ObjectStore, key: string): Promise<{ sha256: string; size: number }> {
  const digest = new DigestStream();
  await pipeline(await store.get(key), digest, new Writable({ write: (_c, _e, done) => done() }));
  return digest.result();
}

export async function verifyBackup(
  store: ObjectStore,
  manifest: BackupManifest,
  /** The backup's data key when it is encrypted (unwrapped and its manifest authenticated by the caller). */
  dataKey: Buffer | undefined,
  /** Problems the caller already found (placement, downgrade, manifest authentication). */
  found: VerifyProblem[] = [],
): Promise<VerifyResult> {
  if (isEtcdBackup(manifest)) return verifyEtcdBackup(store, manifest, dataKey, found);
  const artifacts = resourceArtifacts(manifest)!;
  const { name } = manifest;
  const problems: VerifyProblem[] = [...found];
  const format = unsupportedFormat(manifest);
  if (format) return { name, ok: false, problems: [...problems, { artifact: 'manifest.json', message: format }], itemsChecked: 0 };
  const enc = manifest.encryption;
  const encrypted = enc !== undefined;
  if (enc && !dataKey) {
    problems.push({ artifact: artifacts.resources.file, message: 'the backup is encrypted and no key was given, so the items cannot be decrypted' });
  }
  const decrypt = (file: string, key: Buffer | undefined) => (enc && key ? decryptStream(key, enc, file) : undefined);
  const canRead = !enc || dataKey !== undefined;

  // The log: its bytes against the manifest (its content is checked by its encryption).
  const logKey = layout.log(name, encrypted);
  await hashStored(store, logKey).then(
    (d) => compare(artifacts.log, d, problems),
    (err: Error) => problems.push({ artifact: artifacts.log.file, message: `${artifacts.log.file}: ${err.message}` }),
  );

  // The index and the archive, read side by side.
  const indexKey = layout.index(name, encrypted);
  const resKey = layout.resources(name, encrypted);
  const indexDigest = new DigestStream();
  const resDigest = new DigestStream();
  let itemsChecked = 0;
  let itemProblems = 0;
  const itemProblem = (p: VerifyProblem) => {
    if (++itemProblems <= MAX_ITEM_PROBLEMS) problems.push(p);
  };
  let indexDone: Promise<void> | undefined;
  let resDone: Promise<void> | undefined;
  const opened: PassThrough[] = [];
  if (canRead) {
    try {
      const index = await open(store, indexKey, indexDigest, decrypt(artifacts.index.file, dataKey && artifactKey(dataKey, artifacts.index.file)));
      opened.push(index.out);
      indexDone = index.done;
      const rows = jsonArrayRows<IndexEntry>(index.out, artifacts.index.file)[Symbol.asyncIterator]();
      const archive = await open(store, resKey, resDigest, decrypt(artifacts.resources.file, dataKey));
      opened.push(archive.out);
      resDone = archive.done;
      const extract = tar.extract();
      const extracting = pipeline(archive.out, extract);
      extracting.catch(() => undefined);
      for await (const entry of extract) {
        const path = entry.header.name;
        const bad = archiveEntryProblem(entry.header.type, path);
        const h = createHash('sha256');
        let size = 0;
        for await (const c of entry) {
          h.update(c as Buffer);
          size += (c as Buffer).length;
        }
        if (bad) {
          itemProblem({ artifact: path, message: `${artifacts.resources.file}: ${bad}` });
          continue;
        }
        const next = await rows.next();
        if (next.done) {
          itemProblem({ artifact: path, message: `${path}: in the archive but not in ${artifacts.index.file}` });
          continue;
        }
        const row = next.value;
        itemsChecked++;
        const sha256 = h.digest('hex');
        if (row.path !== path) {
          itemProblem({ artifact: path, message: `${path}: the archive holds it where ${artifacts.index.file} lists ${row.path}` });
        } else if (row.sha256 !== sha256 || row.size !== size) {
          itemProblem({ artifact: path, message: `${path}: content does not match ${artifacts.index.file}`, expected: row.sha256, actual: sha256 });
        }
      }
      await extracting;
      for (let next = await rows.next(); !next.done; next = await rows.next()) {
        itemProblem({ artifact: next.value.path, message: `${next.value.path}: listed in ${artifacts.index.file} but missing from the archive` });
      }
      await Promise.all([indexDone, resDone]);
    } catch (err) {
      problems.push({ artifact: artifacts.resources.file, message: `cannot read the items: ${(err as Error).message}` });
      // Stop reading what is left of the stored objects (file handles, S3 connections).
      for (const out of opened) out.destroy();
    }
    if (itemProblems > MAX_ITEM_PROBLEMS) {
      problems.push({ artifact: artifacts.resources.file, message: `… and ${itemProblems - MAX_ITEM_PROBLEMS} more item problem(s)` });
    }
  }

  // The stored bytes of index and archive against the manifest (re-hashed alone when the item pass stopped early).
  for (const [d, key, digest] of [
    [artifacts.index, indexKey, indexDigest],
    [artifacts.resources, resKey, resDigest],
  ] as const) {
    if (digest.writableFinished) compare(d, digest.result(), problems);
    else {
      await hashStored(store, key).then(
        (got) => compare(d, got, problems),
        (err: Error) => problems.push({ artifact: d.file, message: `${d.file}: ${err.message}` }),
      );
    }
  }
  return { name, ok: problems.length === 0, problems, itemsChecked };
}

/**
 * An etcd backup: cairn's sha256 of the stored etcd.db.gz[.enc], then (decrypted, gunzipped)
 * etcd's own sha256 appended to the snapshot, and that it is the one recorded when it was taken.
 */
async function verifyEtcdBackup(
  store: ObjectStore,
  manifest: BackupManifest & { artifacts: EtcdArtifacts },
  dataKey: Buffer | undefined,
  found: VerifyProblem[],
): Promise<VerifyResult> {
  const { name, artifacts } = manifest;
  const problems: VerifyProblem[] = [...found];
  const encrypted = manifest.encryption !== undefined;
  await hashStored(store, layout.log(name, encrypted)).then(
    (d) => compare(artifacts.log, d, problems),
    (err: Error) => problems.push({ artifact: artifacts.log.file, message: `${artifacts.log.file}: ${err.message}` }),
  );
  const key = layout.etcd(name, encrypted);
  const digest = new DigestStream();
  const check = new EtcdHashCheck(artifacts.etcd.file);
  const stages: Transform[] = [digest];
  try {
    if (manifest.encryption) {
      if (!dataKey) throw new Error('the backup is encrypted and no key was given, so the snapshot cannot be decrypted');
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
