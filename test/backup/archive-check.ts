// Opens a stored archive with the system's plain `tar -xzf` and checks every file against the index.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { IndexEntry } from '../../src/storage/types.ts';

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

/** Extracts with tar; returns the extracted files (relative) and the index entries that mismatch. */
export async function extractAndCheck(archive: string, index: IndexEntry[]): Promise<{ files: string[]; mismatches: string[]; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-tar-'));
  const r = spawnSync('tar', ['-xzf', archive, '-C', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar -xzf failed: ${r.stderr}`);
  const files = (await walk(dir)).map((f) => relative(dir, f)).sort();
  const mismatches: string[] = [];
  for (const e of index) {
    const body = await readFile(join(dir, e.path)).catch(() => undefined);
    if (!body) mismatches.push(`${e.path}: missing`);
    else if (createHash('sha256').update(body).digest('hex') !== e.sha256 || body.length !== e.size) mismatches.push(`${e.path}: hash/size differ`);
  }
  return { files, mismatches, dir };
}
