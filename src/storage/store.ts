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
import { verifyBackup, type VerifyResult } from './verify.ts';
import { acquireLock, type HeldLock } from './locks.ts';
import { gzipJsonBytes, jsonBytes, parseJsonLines, readAll, readGzipJson, readJson } from './json-io.ts';
import { CredentialsError, IncompleteBackupError, NotFoundError, StorageError } from './errors.ts';
import { checkName } from './names.ts';
import { isEtcdBackup } from './manifest.ts';

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

  get encrypted(): boolean {
    return this.keySource !== undefined;
  }

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

  async readIndex(name: string): Promise<IndexEntry[]> {
    checkName('backup', name);
    return readGzipJson<IndexEntry[]>(this.objects, layout.index(name));
  }

  async readLog(name: string): Promise<object[]> {
    checkName('backup', name);
    const key = layout.log(name);
    return parseJsonLines(await readAll(await this.objects.get(key)), key);
  }

  /** Downloads, verifies (before decrypting) and decrypts the archive of a Completed backup. */
  async fetchResources(name: string, opts?: FetchOptions): Promise<FetchedResources> {
    const manifest = await this.readManifest(name);
    if (isEtcdBackup(manifest)) {
      throw new StorageError('storage.wrong-type', `backup ${name} is an etcd snapshot, not API objects: restore it with \`cairn etcd restore ${name}\` on each etcd member`, { location: this.name });
    }
    return fetchResources(this.objects, this.name, manifest, this.requireKey(), opts);
  }

  /** Downloads, verifies (before decrypting) and decrypts the etcd.db.gz of an etcd backup. */
  async fetchEtcdSnapshot(manifest: BackupManifest, opts?: FetchOptions): Promise<FetchedResources> {
    if (!isEtcdBackup(manifest)) {
      throw new StorageError('storage.wrong-type', `backup ${manifest.name} holds API objects, not an etcd snapshot: restore it with \`cairn restore\``, { location: this.name });
    }
    return fetchResources(this.objects, this.name, manifest, this.requireKey(), opts);
  }

  async verify(name: string): Promise<VerifyResult> {
    const manifest = await this.readManifest(name);
    return verifyBackup(this.objects, manifest, this.keySource);
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

  /** Guards one in-flight backup per policy; LockHeldError names the holder and expiry. */
  acquireLock(policy: string, holder: string, ttlMs: number): Promise<HeldLock> {
    return acquireLock(this.objects, this.name, policy, holder, ttlMs, this.logger);
  }

  async writeRestoreResult(name: string, result: unknown): Promise<void> {
    checkName('restore', name);
    await this.objects.put(layout.restoreResult(name), gzipJsonBytes(result));
  }

  /** The stored result, or undefined when the restore has none. */
  async readRestoreResult<T = unknown>(name: string): Promise<T | undefined> {
    checkName('restore', name);
    try {
      return await readGzipJson<T>(this.objects, layout.restoreResult(name));
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }
}
