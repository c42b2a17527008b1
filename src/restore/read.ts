// Reads a backup's items back and verifies each one against index.json.gz before anything is
// applied: the archive (already checked and decrypted by the store) is streamed through gunzip
// and tar-stream, every entry is hashed, and any mismatch, extra or missing item refuses the
// whole restore. Only the items `accept` wants are parsed and kept in memory.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, type Header } from 'tar-stream';
import type { IndexEntry } from '../storage/types.ts';
import type { Item, KubeObject } from '../cluster/types.ts';
import { archiveEntryProblem, parseItemPath } from '../storage/layout.ts';
import { RestoreError } from './errors.ts';
import { parseExact } from '../exact-json.ts';

export interface ReadItemsResult {
  /** The accepted items, verified and parsed. */
  items: Item[];
  /** Every item of the archive (all verified). */
  total: number;
}

function integrity(backup: string, message: string): RestoreError {
  return new RestoreError('restore.integrity', `backup ${backup}: ${message}; the restore is refused and nothing was written`, {
    subject: backup,
  });
}

/**
 * The largest item a restore parses. Kubernetes stores objects of at most ~1.5 MiB (etcd's
 * default request limit); anything far past that is not an object cairn backed up.
 */
export const MAX_ITEM_BYTES = 64 * 1024 * 1024;

/**
 * Hashes an entry as it streams; keeps its bytes only when `keep` (and at most MAX_ITEM_BYTES),
 * so an entry the restore does not want, however large, costs no memory.
 */
async function readEntry(stream: AsyncIterable<unknown>, keep: boolean, tooLarge: () => Error): Promise<{ sha256: string; size: number; data?: Buffer }> {
  const h = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const c = chunk as Buffer;
    h.update(c);
    size += c.length;
    if (keep) {
      if (size > MAX_ITEM_BYTES) throw tooLarge();
      chunks.push(c);
    }
  }
  return { sha256: h.digest('hex'), size, ...(keep ? { data: Buffer.concat(chunks) } : {}) };
}

/**
 * Verifies every item of the plaintext tar.gz at `archivePath` against `index` and returns the
 * items `accept` selects. Throws RestoreError('restore.integrity') on any mismatch.
 */
export async function readVerifiedItems(
  backup: string,
  archivePath: string,
  index: IndexEntry[],
  accept: (entry: IndexEntry) => boolean,
): Promise<ReadItemsResult> {
  const byPath = new Map<string, IndexEntry>();
  for (const entry of index) {
    if (byPath.has(entry.path)) throw integrity(backup, `index.json.gz lists ${entry.path} twice`);
    byPath.set(entry.path, entry);
  }
  const seen = new Set<string>();
  const items: Item[] = [];
  const extract = tarExtract();

  const consume = (async () => {
    for await (const entry of extract) {
      const header: Header = entry.header;
      const path = header.name;
      // Only regular files at item paths: a link or a climbing name is refused, never followed or normalised.
      const bad = archiveEntryProblem(header.type, path);
      if (bad) throw integrity(backup, `the archive holds ${bad}`);
      const row = byPath.get(path);
      if (!row) throw integrity(backup, `the archive holds ${path}, which index.json.gz does not list`);
      if (seen.has(path)) throw integrity(backup, `the archive holds ${path} twice`);
      seen.add(path);
      const wanted = accept(row);
      const got = await readEntry(entry, wanted, () => integrity(backup, `item ${path} is larger than ${MAX_ITEM_BYTES} bytes, far past any Kubernetes object`));
      if (got.sha256 !== row.sha256 || got.size !== row.size) {
        throw integrity(backup, `item ${path} does not match its checksum in index.json.gz (sha256 ${got.sha256}, expected ${row.sha256})`);
      }
      if (!wanted || !got.data) continue;
      const where = parseItemPath(path);
      if (!where) throw integrity(backup, `${path} is not an item path`);
      let object: KubeObject;
      try {
        // Exactly as archived: int64 beyond 2^53 stays exact (exact-json.ts).
        object = parseExact(got.data.toString('utf8')) as KubeObject;
      } catch (err) {
        throw integrity(backup, `item ${path} is not valid JSON (${(err as Error).message})`);
      }
      items.push({ groupResource: where.groupResource, namespace: where.namespace, name: where.name, object });
    }
  })();

  try {
    await Promise.all([pipeline(createReadStream(archivePath), createGunzip(), extract), consume]);
  } catch (err) {
    if (err instanceof RestoreError) throw err;
    throw integrity(backup, `resources archive is unreadable (${(err as Error).message})`);
  }
  const missing = index.filter((e) => !seen.has(e.path));
  if (missing.length) {
    throw integrity(backup, `${missing.length} item(s) listed in index.json.gz are missing from the archive, e.g. ${missing[0].path}`);
  }
  return { items, total: seen.size };
}
