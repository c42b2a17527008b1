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
import { parseItemPath } from '../storage/layout.ts';
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

async function readEntry(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
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
      if (header.type !== 'file') {
        entry.resume();
        continue;
      }
      const path = header.name.replace(/^\.\//, '');
      const data = await readEntry(entry);
      const row = byPath.get(path);
      if (!row) throw integrity(backup, `the archive holds ${path}, which index.json.gz does not list`);
      if (seen.has(path)) throw integrity(backup, `the archive holds ${path} twice`);
      seen.add(path);
      const sha = createHash('sha256').update(data).digest('hex');
      if (sha !== row.sha256 || data.length !== row.size) {
        throw integrity(backup, `item ${path} does not match its checksum in index.json.gz (sha256 ${sha}, expected ${row.sha256})`);
      }
      if (!accept(row)) continue;
      const where = parseItemPath(path);
      if (!where) throw integrity(backup, `${path} is not an item path`);
      let object: KubeObject;
      try {
        // Exactly as archived: int64 beyond 2^53 stays exact (exact-json.ts).
        object = parseExact(data.toString('utf8')) as KubeObject;
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
