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
      try {
        // Both can race a delete pruning the then-empty directory (another engine releasing its
        // lock in locks/, say): mkdir's own walk fails with ENOENT, or open does. Try again.
        await mkdir(dirname(target), { recursive: true });
        return { tmp, fh: await open(tmp, 'wx') };
      } catch (err) {
        if (attempt >= 8 || !isCode(err, 'ENOENT')) throw err;
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

  /** A file-system failure as a StorageError that says what failed, where, and what to do. */
  private fail(err: unknown, action: string, key: string): never {
    if (err instanceof StorageError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const advice = FS_ADVICE[code] ?? (err as Error).message;
    const denied = code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
    throw new StorageError(denied ? 'storage.access-denied' : 'storage.io', `${this.description}: ${action} ${key} failed (${code}): ${advice}`, { key, cause: err });
  }

  async put(key: string, body: Buffer | Readable): Promise<void> {
    const target = this.path(key);
    try {
      const tmp = await this.writeTemp(target, body);
      try {
        await rename(tmp, target);
      } catch (err) {
        // A directory in the object's place, say: the complete copy must not stay behind.
        await rm(tmp, { force: true });
        throw err;
      }
      await fsyncDir(dirname(target));
    } catch (err) {
      this.fail(err, 'writing', key);
    }
  }

  async get(key: string): Promise<Readable> {
    const p = this.path(key);
    // Open first so a missing object is a NotFoundError here, not a stream error later.
    try {
      const fh = await open(p, 'r');
      return fh.createReadStream({ autoClose: true });
    } catch (err) {
      if (isCode(err, 'ENOENT')) throw new NotFoundError(`object ${key} not found in ${this.description}`, { key });
      this.fail(err, 'reading', key);
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

  /**
   * Removes temporary files (.cairn-tmp-*) and compare-and-swap mutexes that killed writers left,
   * when last modified before `before`; a live write keeps its temporary file fresh.
   */
  async cleanLeftovers(before: Date, keep: (key: string) => boolean = () => false): Promise<string[]> {
    const removed: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const path = join(dir, e.name);
        const leftover = e.name.startsWith(TEMP_MARK) || e.name.endsWith(CAS_MUTEX_SUFFIX);
        if (leftover) {
          const st = await stat(path).catch(() => undefined);
          if (!st || st.mtimeMs >= before.getTime()) continue;
          if (keep(path.slice(this.root.length + 1).split(sep).join('/'))) continue;
          await rm(path, { recursive: true, force: true });
          removed.push(`${path.slice(this.root.length + 1)} (last written ${st.mtime.toISOString()})`);
        } else if (e.isDirectory()) await walk(path);
      }
    };
    await walk(this.root);
    return removed;
  }

  /**
   * Compare-and-swap under a per-key mutex (a directory made with mkdir, atomic): the check and
   * an atomic rename over the target happen while no other replacer runs, and the target never
   * goes missing, so a conditional create (putIfAbsent) can never slip in while a live lock is
   * renewed. A mutex left by a crashed process is removed once older than CAS_MUTEX_STALE_MS.
   */
  async replaceIfUnchanged(key: string, body: Buffer, etag: string): Promise<boolean> {
    const target = this.path(key);
    const mutex = `${target}${CAS_MUTEX_SUFFIX}`;
    const tmp = await this.writeTemp(target, body);
    try {
      if (!(await takeMutex(mutex))) return false; // another replacer is at work: the object is changing
      try {
        const st = await stat(target, { bigint: true }).catch((err: unknown) => {
          if (isCode(err, 'ENOENT')) return undefined;
          throw err;
        });
        if (!st || `${st.ino}-${st.size}-${st.mtimeNs}` !== etag) return false;
        await rename(tmp, target);
        await fsyncDir(dirname(target));
        return true;
      } finally {
        await rmdir(mutex).catch(() => undefined);
      }
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }
}

const CAS_MUTEX_SUFFIX = '.cairn-cas';
const CAS_MUTEX_STALE_MS = 30_000;

/** Makes the mutex directory; false when another holds it (a stale one is removed and retried once). */
async function takeMutex(mutex: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await mkdir(mutex);
      return true;
    } catch (err) {
      if (!isCode(err, 'EEXIST')) throw err;
      const st = await stat(mutex).catch(() => undefined);
      if (!st || Date.now() - st.mtimeMs < CAS_MUTEX_STALE_MS) return false;
      await rmdir(mutex).catch(() => undefined);
    }
  }
  return false;
}

/** What to do about a file-system error, by errno code. */
const FS_ADVICE: Record<string, string> = {
  EACCES: "cairn's user may not access it: fix the directory's owner or mode, or give the location another path",
  EPERM: "cairn's user may not access it: fix the directory's owner or mode, or give the location another path",
  EROFS: 'the file system is mounted read-only: remount it read-write or give the location another path',
  ENOSPC: 'the file system is full: free space, shorten retention, or give the location a larger volume',
  EDQUOT: "cairn's user is over its disk quota: raise the quota or free space",
  ENOTDIR: 'a file stands where the location needs a directory: move it, or give the location another path',
  EISDIR: 'a directory stands where an object belongs: remove it',
};
