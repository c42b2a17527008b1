// Filesystem provider: a directory (local disk, NFS mount). Every write is atomic —
// temporary file, fsync, rename, fsync of the directory — so a reader never sees half an object.
import { createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { ObjectInfo, ObjectStore } from './object-store.ts';
import { NotFoundError, StorageError } from './errors.ts';

const TEMP_MARK = '.cairn-tmp-';
/** Directories walked (and files stat'ed) at once while listing. */
const WALK_BATCH = 64;

function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === code;
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class FilesystemObjectStore implements ObjectStore {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `filesystem ${root}`;
  }

  private path(key: string): string {
    if (key.split('/').some((part) => part === '..' || part === '.')) {
      throw new StorageError('storage.invalid-name', `object key ${JSON.stringify(key)} must not contain "." or ".." segments`);
    }
    return join(this.root, ...key.split('/'));
  }

  private tempPath(target: string): string {
    return join(dirname(target), `${TEMP_MARK}${randomBytes(6).toString('hex')}`);
  }

  /** Creates a new temporary file next to the target (and its directory). */
  private async openTemp(target: string): Promise<{ tmp: string; fh: FileHandle }> {
    const tmp = this.tempPath(target);
    for (let attempt = 1; ; attempt++) {
      await mkdir(dirname(target), { recursive: true });
      try {
        return { tmp, fh: await open(tmp, 'wx') };
      } catch (err) {
        // A delete pruning the then-empty directory can land between mkdir and open: once more.
        if (attempt > 1 || !isCode(err, 'ENOENT')) throw err;
      }
    }
  }

  /** Writes the object to a temporary file next to the target and fsyncs it; returns the temp path. */
  private async writeTemp(target: string, body: Buffer | Readable): Promise<string> {
    const { tmp, fh } = await this.openTemp(target);
    try {
      if (Buffer.isBuffer(body)) {
        await fh.writeFile(body);
        await fh.sync();
        await fh.close();
      } else {
        await fh.close();
        await pipeline(body, createWriteStream(tmp, { flags: 'r+' }));
        const again = await open(tmp, 'r+');
        try {
          await again.sync();
        } finally {
          await again.close();
        }
      }
      return tmp;
    } catch (err) {
      await fh.close().catch(() => undefined);
      await rm(tmp, { force: true });
      // Leave no empty directory behind (an abandoned backup's first write, typically).
      await this.pruneEmptyDirs(dirname(target));
      throw err;
    }
  }

  async put(key: string, body: Buffer | Readable): Promise<void> {
    const target = this.path(key);
    const tmp = await this.writeTemp(target, body);
    try {
      await rename(tmp, target);
    } catch (err) {
      // A directory in the object's place, say: the complete copy must not stay behind.
      await rm(tmp, { force: true });
      throw err;
    }
    await fsyncDir(dirname(target));
  }

  async get(key: string): Promise<Readable> {
    const p = this.path(key);
    // Open first so a missing object is a NotFoundError here, not a stream error later.
    try {
      const fh = await open(p, 'r');
      return fh.createReadStream({ autoClose: true });
    } catch (err) {
      if (isCode(err, 'ENOENT')) throw new NotFoundError(`object ${key} not found in ${this.description}`, { key });
      throw err;
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const st = await stat(this.path(key), { bigint: true });
      if (!st.isFile()) return undefined;
      return { key, size: Number(st.size), lastModified: new Date(Number(st.mtimeMs)), etag: `${st.ino}-${st.size}-${st.mtimeNs}` };
    } catch (err) {
      if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk only the directory the prefix names, then filter by the rest of the prefix.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash + 1) : '';
    await this.assertReachable();
    yield* this.walk(dirKey, prefix);
  }

  /**
   * A root that is missing, with its parent missing too, is not an empty location but a wrong
   * path or an absent mount: listing it as empty would plan first backups and no retention.
   * (A missing root under an existing parent is a location not written to yet.)
   */
  private async assertReachable(): Promise<void> {
    const exists = (p: string) => stat(p).then(() => true, (err) => (isCode(err, 'ENOENT') ? false : Promise.reject(err)));
    if ((await exists(this.root)) || (await exists(dirname(this.root)))) return;
    throw new StorageError(
      'storage.unavailable',
      `filesystem location ${this.root} does not exist, nor does ${dirname(this.root)}: is the storage mounted, and is the data directory the one the reconciler uses?`,
    );
  }

  private async *walk(dirKey: string, prefix: string): AsyncIterable<ObjectInfo> {
    yield* await this.collect(dirKey, prefix);
  }

  /**
   * One directory's listing, sorted by key. Files are stat'ed and sub-directories walked in
   * parallel batches: a location holds a directory per backup, and walking 20,000 of them one
   * stat at a time is what made a full inventory slow.
   */
  private async collect(dirKey: string, prefix: string): Promise<ObjectInfo[]> {
    let entries;
    try {
      entries = await readdir(dirKey ? this.path(dirKey.slice(0, -1)) : this.root, { withFileTypes: true });
    } catch (err) {
      if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return [];
      throw err;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const parts: (Promise<ObjectInfo[]> | (() => Promise<ObjectInfo[]>))[] = [];
    for (const e of entries) {
      if (e.name.startsWith(TEMP_MARK)) continue;
      const key = `${dirKey}${e.name}`;
      if (e.isDirectory()) {
        const sub = `${key}/`;
        if (sub.startsWith(prefix) || prefix.startsWith(sub)) parts.push(() => this.collect(sub, prefix));
      } else if (e.isFile() && key.startsWith(prefix)) {
        parts.push(this.stat(key).then((info) => (info ? [info] : [])));
      }
    }
    const out: ObjectInfo[][] = new Array(parts.length);
    for (let i = 0; i < parts.length; i += WALK_BATCH) {
      const batch = parts.slice(i, i + WALK_BATCH).map((p) => (typeof p === 'function' ? p() : p));
      (await Promise.all(batch)).forEach((r, j) => (out[i + j] = r));
    }
    return out.flat();
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
    await this.pruneEmptyDirs(dirname(this.path(key)));
  }

  /** Deletes every key it can; a key that cannot be deleted does not keep the others. */
  async deleteMany(keys: string[]): Promise<void> {
    const failed: unknown[] = [];
    for (const key of keys) await this.delete(key).catch((err: unknown) => failed.push(err));
    if (failed.length === 1) throw failed[0];
    if (failed.length > 1) throw new AggregateError(failed, `${failed.length} of ${keys.length} objects could not be deleted from ${this.description}`);
  }

  /** Removes directories left empty by deletes (or by a write that failed), up to the root. */
  private async pruneEmptyDirs(dir: string): Promise<void> {
    let d = dir;
    while (d.startsWith(this.root + sep)) {
      try {
        await rmdir(d); // only ever removes an empty directory
      } catch {
        return; // not empty (or gone): stop
      }
      d = dirname(d);
    }
  }

  async putIfAbsent(key: string, body: Buffer): Promise<boolean> {
    const target = this.path(key);
    const tmp = await this.writeTemp(target, body);
    try {
      // link(2) fails with EEXIST when the target exists: an atomic exclusive create of a complete file.
      await link(tmp, target);
      await fsyncDir(dirname(target));
      return true;
    } catch (err) {
      if (isCode(err, 'EEXIST')) return false;
      throw err;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async replaceIfUnchanged(key: string, body: Buffer, etag: string): Promise<boolean> {
    const target = this.path(key);
    // Move the current object aside: of several contenders only one rename succeeds.
    const aside = this.tempPath(target);
    try {
      await rename(target, aside);
    } catch (err) {
      if (isCode(err, 'ENOENT')) return false;
      throw err;
    }
    try {
      const st = await stat(aside, { bigint: true });
      if (`${st.ino}-${st.size}-${st.mtimeNs}` !== etag) {
        // Not the version we judged: put it back unless someone already created a new one.
        await link(aside, target).catch(() => undefined);
        return false;
      }
      // Ours to replace: the same exclusive create, which loses to anyone who created one since.
      return await this.putIfAbsent(key, body);
    } finally {
      await unlink(aside).catch(() => undefined);
    }
  }
}
