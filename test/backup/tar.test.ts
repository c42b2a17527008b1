// The hand-framed tar (src/backup/tar.ts) read back by GNU tar and by tar-stream, for the path
// lengths that need ustar's prefix field and a pax header.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { TAR_END, TarFramer } from '../../src/backup/tar.ts';

const files: [string, string][] = [
  ['resources/configmaps/namespaces/default/short.json', '{"a":1}'],
  [`resources/customresourcedefinitions.apiextensions.k8s.io/cluster/${'x'.repeat(80)}.example.com.json`, '{"b":2}'], // > 100: prefix split
  [`resources/widgets.example.com/namespaces/team/${'y'.repeat(240)}.json`, '{"c":3}'], // name part > 100: pax
  ['resources/secrets/namespaces/default/empty.json', ''],
  ['resources/configmaps/namespaces/default/block.json', 'z'.repeat(512)],
];

/** The blocks of one regular file, framed as archive.ts frames each item: header(s), body, padding. */
function tarEntry(path: string, body: Buffer, mtime: Date): Buffer[] {
  const framer = new TarFramer(mtime);
  const head = Buffer.alloc(framer.headerSize(path));
  framer.writeHeader(head, 0, path, body.length);
  const tail = Buffer.alloc(Math.ceil(body.length / 512) * 512 - body.length);
  return tail.length ? [head, body, tail] : [head, body];
}

function archive(): Buffer {
  const mtime = new Date('2026-11-21T06:00:00Z');
  return Buffer.concat([...files.flatMap(([p, body]) => tarEntry(p, Buffer.from(body), mtime)), TAR_END]);
}

describe('TarFramer', () => {
  it('is read back by GNU tar with every path and body intact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-tar-'));
    try {
      await writeFile(join(dir, 'a.tar'), archive());
      const listed = spawnSync('tar', ['-tvf', join(dir, 'a.tar')], { encoding: 'utf8' });
      expect(listed.status).toBe(0);
      expect(listed.stdout).toContain('2026-11-21');
      const r = spawnSync('tar', ['-xf', join(dir, 'a.tar'), '-C', dir], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      for (const [p, body] of files) expect(await readFile(join(dir, p), 'utf8')).toBe(body);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is read back by tar-stream (what restores use) with the same entries', async () => {
    const extract = tar.extract();
    const seen: [string, string][] = [];
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        chunks.push(c as Buffer);
      });
      stream.on('end', () => {
        seen.push([header.name, Buffer.concat(chunks).toString()]);
        next();
      });
    });
    const done = new Promise<void>((resolve, reject) => {
      extract.on('finish', () => resolve());
      extract.on('error', reject);
    });
    Readable.from([archive()]).pipe(extract);
    await done;
    expect(seen).toEqual(files);
  });
});
