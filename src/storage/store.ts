// BackupStore: the backup inventory of one BackupLocation, in the layout of DESIGN §3,
// over any ObjectStore provider. Every key comes from layout.ts.
import type { Logger } from '../log.ts';
import type { ObjectStore } from './object-store.ts';
import type { BackupManifest, ExpiryMark, IndexEntry, Inventory } from './types.ts';
import { layout } from './layout.ts';
import type { KeySource } from './crypto.ts';
import { BackupWriter } from './writer.ts';
import { listInventory } from './inventory.ts';
import { fetchResources, type FetchedResources, type FetchOptions } from './fetch.ts';
import { verifyBackup, type VerifyProblem, type VerifyResult } from './verify.ts';
import { artifactKey, decryptStream, manifestMacMatches, seal, unseal, unwrapDataKey } from './crypto.ts';
import { pipeline } from 'node:stream/promises';
import { acquireLock, lockStaleReason, type HeldLock } from './locks.ts';
import { gunzipJson, gzipJsonBytes, jsonBytes, parseJsonLines, readAll, readJson } from './json-io.ts';
import { CredentialsError, IncompleteBackupError, IntegrityError, NotFoundError, StorageError } from './errors.ts';
import { checkName } from './names.ts';
import { isEtcdBackup, resourceArtifacts } from './manifest.ts';

/**
 * How old a temporary file or unfinished upload must be before it counts as a killed run's: a
 * live write touches its temporary file as it streams, and a multipart upload sends a part at
 * least every 64 MiB; no live run leaves either untouched this long.
 */
export const LEFTOVER_AGE_MS = 6 * 3_600_000;

export class BackupStore {
  constructor(
    /** The BackupLocation's name. */
    readonly name: string,
    /** The provider; exposed for tooling and tests that write objects directly. */
    readonly objects: ObjectStore,
    /**
     * Resolves the encryption key source; undefined when the location does not encrypt.
     * Resolved lazily so listings and plans never need the key.
     */
    private readonly keySource: (() => Promise<KeySource>) | undefined,
    private readonly logger: Logger,
  ) {}

  private requireKey(): () => Promise<KeySource> {
    return (
      this.keySource ??
      (() =>
        Promise.reject(
          new CredentialsError(`location ${this.name}: this backup is encrypted but the location has no spec.encryption (passphraseFromEnv or keyFile)`, {
            location: this.name,
          }),
        ))
    );
  }

  beginBackup(name: string): BackupWriter {
    checkName('backup', name);
    return new BackupWriter(name, this.objects, this.name, this.keySource, this.logger);
  }

  listInventory(): Promise<Inventory> {
    return listInventory(this.objects, this.name);
  }

  /** The manifest; IncompleteBackupError when the backup has objects but no manifest, NotFoundError when it has none. */
  async readManifest(name: string): Promise<BackupManifest> {
    checkName('backup', name);
    try {
      return await readJson<BackupManifest>(this.objects, layout.manifest(name));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      for await (const _obj of this.objects.list(layout.backupDir(name))) throw new IncompleteBackupError(name, { location: this.name });
      throw new NotFoundError(`backup ${name} does not exist in location ${this.name}`, { location: this.name, key: layout.manifest(name) });
    }
  }

  /**
   * The manifest of a backup about to be read, checked: it sits where it says it belongs, and in
   * an encrypted location it is encrypted and authenticated with the location's key (a
   * downgraded or edited manifest is refused). Returns the unwrapped data key too.
   */
  async openBackup(name: string): Promise<{ manifest: BackupManifest; dataKey?: Buffer }> {
    const manifest = await this.readManifest(name);
    const problem = this.placementProblem(name, manifest);
    if (problem) throw new IntegrityError('manifest.json', problem, { location: this.name, key: layout.manifest(name) });
    const dataKey = await this.authenticate(name, manifest);
    return { manifest, dataKey };
  }

  /** Why the manifest found at backups/<name>/ does not belong there, or undefined. */
  private placementProblem(name: string, manifest: BackupManifest): string | undefined {
    const where = `backups/${name}/manifest.json in location ${this.name}`;
    if (manifest.name !== name) {
      return `${where} names backup ${manifest.name}: a manifest moved or swapped between backups; refusing to use it (restore ${manifest.name} by its own name if it still exists)`;
    }
    if (manifest.location !== this.name) {
      return `${where} says it was written to location ${manifest.location}: a manifest copied between locations; refusing to use it`;
    }
    return undefined;
  }

  /** In an encrypted location: the data key, after checking the manifest is encrypted and unedited. */
  private async authenticate(name: string, manifest: BackupManifest): Promise<Buffer | undefined> {
    const key = layout.manifest(name);
    if (!manifest.encryption) {
      if (!this.keySource) return undefined;
      throw new IntegrityError(
        'manifest.json',
        `backup ${name} in location ${this.name} is not encrypted, but the location encrypts every backup: cairn never writes a plaintext backup there, so it was placed or altered by someone else (a downgrade); refusing it`,
        { location: this.name, key },
      );
    }
    const dataKey = await unwrapDataKey(await this.requireKey()(), manifest.encryption, `backup ${name}`);
    if (!manifestMacMatches(dataKey, manifest)) {
      throw new IntegrityError(
        'manifest.json',
        `backup ${name}: manifest.json in location ${this.name} fails authentication${manifest.encryption.mac ? '' : ' (it has no MAC)'}: it was edited after the backup was written; refusing it`,
        { location: this.name, key },
      );
    }
    return dataKey;
  }

  /** The bytes of a small artifact (index, log), decrypted when the backup is encrypted. */
  private async readArtifact(name: string, manifest: BackupManifest, dataKey: Buffer | undefined, which: 'index' | 'log'): Promise<Buffer> {
    const encrypted = manifest.encryption !== undefined;
    const key = which === 'index' ? layout.index(name, encrypted) : layout.log(name, encrypted);
    const artifact = which === 'log' ? manifest.artifacts.log : resourceArtifacts(manifest)?.index;
    if (!artifact) throw new StorageError('storage.wrong-type', `backup ${name} is an etcd snapshot: it has no index`, { location: this.name });
    const file = artifact.file;
    const stream = await this.objects.get(key);
    if (!manifest.encryption || !dataKey) return readAll(stream, key);
    const out: Buffer[] = [];
    await pipeline(stream, decryptStream(artifactKey(dataKey, file), manifest.encryption, file), async function* (src) {
      for await (const c of src) out.push(c as Buffer);
    });
    return Buffer.concat(out);
  }

  async readIndex(name: string): Promise<IndexEntry[]> {
    checkName('backup', name);
    const { manifest, dataKey } = await this.openBackup(name);
    const key = layout.index(name, manifest.encryption !== undefined);
    return gunzipJson<IndexEntry[]>(await this.readArtifact(name, manifest, dataKey, 'index'), key);
  }

  async readLog(name: string): Promise<object[]> {
    checkName('backup', name);
    const { manifest, dataKey } = await this.openBackup(name);
    return parseJsonLines(await this.readArtifact(name, manifest, dataKey, 'log'), layout.log(name, manifest.encryption !== undefined));
  }

  /** Downloads, verifies (before decrypting) and decrypts the archive of a Completed backup. */
  async fetchResources(name: string, opts?: FetchOptions): Promise<FetchedResources> {
    const { manifest, dataKey } = await this.openBackup(name);
    if (isEtcdBackup(manifest)) {
      throw new StorageError('storage.wrong-type', `backup ${name} is an etcd snapshot, not API objects: restore it with \`cairn etcd restore ${name}\` on each etcd member`, { location: this.name });
    }
    return fetchResources(this.objects, this.name, manifest, dataKey, opts);
  }

  /** Downloads, verifies (before decrypting) and decrypts the etcd.db.gz of an etcd backup. */
  async fetchEtcdSnapshot(name: string, opts?: FetchOptions): Promise<FetchedResources> {
    const { manifest, dataKey } = await this.openBackup(name);
    if (!isEtcdBackup(manifest)) {
      throw new StorageError('storage.wrong-type', `backup ${manifest.name} holds API objects, not an etcd snapshot: restore it with \`cairn restore\``, { location: this.name });
    }
    return fetchResources(this.objects, this.name, manifest, dataKey, opts);
  }

  async verify(name: string): Promise<VerifyResult> {
    const manifest = await this.readManifest(name);
    const found: VerifyProblem[] = [];
    const placement = this.placementProblem(name, manifest);
    if (placement) found.push({ artifact: 'manifest.json', message: placement });
    let dataKey: Buffer | undefined;
    try {
      dataKey = await this.authenticate(name, manifest);
    } catch (err) {
      if (!(err instanceof IntegrityError)) throw err; // a wrong or missing key is not a verdict on the backup
      found.push({ artifact: 'manifest.json', message: err.message });
    }
    return verifyBackup(this.objects, manifest, dataKey, found);
  }

  async markExpiry(name: string, mark: ExpiryMark): Promise<void> {
    checkName('backup', name);
    await this.objects.put(layout.expiry(name), jsonBytes(mark));
  }

  async clearExpiry(name: string): Promise<void> {
    checkName('backup', name);
    await this.objects.delete(layout.expiry(name));
  }

  /**
   * Deletes a backup. manifest.json goes FIRST: a crash midway leaves an incomplete upload
   * (cleaned by a later tick), never a Completed backup with missing artifacts.
   */
  async deleteBackup(name: string): Promise<void> {
    checkName('backup', name);
    await this.objects.delete(layout.manifest(name));
    await this.deleteAll(name);
    this.logger.info({ backup: name, location: this.name }, 'backup deleted');
  }

  /** Removes an incomplete upload; refuses a backup that has a manifest. */
  async deleteIncomplete(name: string): Promise<void> {
    checkName('backup', name);
    if (await this.objects.stat(layout.manifest(name))) {
      throw new StorageError('storage.config', `backup ${name} in location ${this.name} has a manifest: it is not an incomplete upload (use deleteBackup)`, {
        location: this.name,
      });
    }
    await this.deleteAll(name);
    this.logger.info({ backup: name, location: this.name }, 'incomplete upload removed');
  }

  private async deleteAll(name: string): Promise<void> {
    const keys: string[] = [];
    for await (const obj of this.objects.list(layout.backupDir(name))) keys.push(obj.key);
    await this.objects.deleteMany(keys);
  }

  /**
   * Removes leftovers of killed runs (temporary files, unfinished multipart uploads) older than
   * `olderThanMs`, logging each; never a live run's, which keeps touching its own.
   */
  async cleanLeftovers(olderThanMs: number = LEFTOVER_AGE_MS): Promise<string[]> {
    // A backup whose policy holds a live lock is being written: its uploads are left alone however old.
    const inventory = await this.listInventory();
    const live = inventory.locks.filter((l) => lockStaleReason(l, Date.now()) === undefined).map((l) => l.policy);
    const keep = (key: string) => {
      const b = layout.parseBackupKey(key);
      return b !== undefined && live.some((p) => b.backup.startsWith(`${p}-`));
    };
    const removed = await this.objects.cleanLeftovers(new Date(Date.now() - olderThanMs), keep);
    for (const what of removed) this.logger.warn({ location: this.name, leftover: what }, 'removed a leftover of a killed run');
    return removed;
  }

  /** Guards one in-flight backup per policy; LockHeldError names the holder and expiry. */
  acquireLock(policy: string, holder: string, ttlMs: number): Promise<HeldLock> {
    return acquireLock(this.objects, this.name, policy, holder, ttlMs, this.logger);
  }

  /** Stores a restore's result; sealed with the location's key when it encrypts (diffs hold Secret data). */
  async writeRestoreResult(name: string, result: unknown): Promise<void> {
    checkName('restore', name);
    const body = gzipJsonBytes(result);
    await this.objects.put(layout.restoreResult(name), this.keySource ? await seal(await this.keySource(), body) : body);
  }

  /** The stored result, or undefined when the restore has none. */
  async readRestoreResult<T = unknown>(name: string): Promise<T | undefined> {
    checkName('restore', name);
    const key = layout.restoreResult(name);
    let bytes: Buffer;
    try {
      bytes = await readAll(await this.objects.get(key), key);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
    if (this.keySource) bytes = await unseal(await this.keySource(), bytes, `${key} in location ${this.name}`);
    return gunzipJson<T>(bytes, key);
  }
}
