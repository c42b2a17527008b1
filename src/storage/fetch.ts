// Getting a backup's archive out of storage for a restore: download to a private temporary
// file, check its sha256 against the manifest BEFORE decrypting, then decrypt. Nothing is
// handed to the caller until the bytes are proven to be the ones the backup recorded.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore } from './object-store.ts';
import type { BackupManifest } from './types.ts';
import { ARTIFACTS, layout } from './layout.ts';
import { isEtcdBackup, payloadArtifact } from './manifest.ts';
import { DigestStream } from './digest.ts';
import { decryptStream } from './crypto.ts';
import { IntegrityError, WrongKeyError } from './errors.ts';

export interface FetchedResources {
  /** Path of the verified, decrypted resources.tar.gz (etcd.db.gz for an etcd backup). */
  path: string;
  /** Removes the temporary directory. */
  cleanup(): Promise<void>;
}

export interface FetchOptions {
  /** Parent of the temporary directory; default os.tmpdir(). */
  tempDir?: string;
}

export async function fetchResources(
  store: ObjectStore,
  location: string,
  manifest: BackupManifest,
  /** The unwrapped data key when the backup is encrypted (BackupStore.openBackup). */
  dataKey: Buffer | undefined,
  opts: FetchOptions = {},
): Promise<FetchedResources> {
  const dir = await mkdtemp(join(opts.tempDir ?? tmpdir(), 'cairn-fetch-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const artifact = payloadArtifact(manifest);
    const encrypted = manifest.encryption !== undefined;
    const key = isEtcdBackup(manifest) ? layout.etcd(manifest.name, encrypted) : layout.resources(manifest.name, encrypted);
    const stored = join(dir, artifact.file);
    const digest = new DigestStream();
    await pipeline(await store.get(key), digest, createWriteStream(stored, { mode: 0o600 }));
    const actual = digest.result();
    if (actual.sha256 !== artifact.sha256 || actual.size !== artifact.size) {
      throw new IntegrityError(
        artifact.file,
        `backup ${manifest.name}: ${artifact.file} does not match its manifest (sha256 ${actual.sha256}, ${actual.size} bytes; expected ${artifact.sha256}, ${artifact.size} bytes); refusing to use it`,
        { location, key, expected: artifact.sha256, actual: actual.sha256 },
      );
    }
    if (!manifest.encryption) return { path: stored, cleanup };

    if (!dataKey) throw new WrongKeyError(`backup ${manifest.name} is encrypted and no key was given`, { location });
    const plain = join(dir, isEtcdBackup(manifest) ? ARTIFACTS.etcd : ARTIFACTS.resources);
    await pipeline(createReadStream(stored), decryptStream(dataKey, manifest.encryption, artifact.file), createWriteStream(plain, { mode: 0o600 }));
    await rm(stored, { force: true });
    return { path: plain, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
