// Reads the status/ folder of a policy repository work tree: the previous tick's report.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { statusPaths, type StatusDoc } from './status.ts';

export interface StatusFiles {
  /** Repository-relative path → file content, as on disk. */
  texts: Map<string, string>;
  /** Parsed policy and restore status documents by path. */
  docs: Map<string, StatusDoc<unknown>>;
}

export async function readStatusDir(repoDir: string): Promise<StatusFiles> {
  const texts = new Map<string, string>();
  const docs = new Map<string, StatusDoc<unknown>>();
  for (const sub of ['policies', 'restores']) {
    const dir = join(repoDir, 'status', sub);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const n of names.filter((f) => f.endsWith('.yaml')).sort()) {
      const path = `status/${sub}/${n}`;
      const text = await readFile(join(dir, n), 'utf8');
      texts.set(path, text);
      try {
        const doc = parse(text) as StatusDoc<unknown>;
        if (doc?.metadata?.name) docs.set(path, doc);
      } catch {
        // An unreadable status file is rewritten by the next report.
      }
    }
  }
  const errors = await readFile(join(repoDir, statusPaths.errors), 'utf8').catch(() => undefined);
  if (errors !== undefined) texts.set(statusPaths.errors, errors);
  return { texts, docs };
}
