// Reads the status/ folder of a policy repository work tree: the previous tick's report.
import { lstat, readdir } from 'node:fs/promises';
import { readFileCapped } from '../read-capped.ts';
import { join } from 'node:path';
import { parse } from 'yaml';
import { statusPaths, type StatusDoc } from './status.ts';

export interface StatusFiles {
  /** Repository-relative path → file content, as on disk. */
  texts: Map<string, string>;
  /** Parsed policy and restore status documents by path. */
  docs: Map<string, StatusDoc<unknown>>;
}

/** Status files are cairn's own and small; anything far larger was not written by cairn. */
const MAX_STATUS_FILE_BYTES = 16 * 1024 * 1024;

/**
 * A status file's text; undefined when it is a symlink or not a regular file. A symlink committed
 * under status/ must not make cairn read (and re-commit) a file from elsewhere.
 */
async function readStatusFile(path: string): Promise<string | undefined> {
  const st = await lstat(path).catch(() => undefined);
  if (!st?.isFile()) return undefined;
  return (await readFileCapped(path, MAX_STATUS_FILE_BYTES)).toString('utf8');
}

export async function readStatusDir(repoDir: string): Promise<StatusFiles> {
  const texts = new Map<string, string>();
  const docs = new Map<string, StatusDoc<unknown>>();
  for (const sub of ['policies', 'restores']) {
    const dir = join(repoDir, 'status', sub);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const n of names.filter((f) => f.endsWith('.yaml')).sort()) {
      const path = `status/${sub}/${n}`;
      const text = await readStatusFile(join(dir, n));
      if (text === undefined) continue; // not a regular file: the next report replaces it
      texts.set(path, text);
      try {
        const doc = parse(text) as StatusDoc<unknown>;
        if (doc?.metadata?.name) docs.set(path, doc);
      } catch {
        // An unreadable status file is rewritten by the next report.
      }
    }
  }
  const errors = await readStatusFile(join(repoDir, statusPaths.errors)).catch(() => undefined);
  if (errors !== undefined) texts.set(statusPaths.errors, errors);
  return { texts, docs };
}
