// Leftovers of killed runs (issue 16 item 10): temporary files in a filesystem location and
// unfinished multipart uploads on S3 (radosgw) are cleaned when old enough, never a live run's.
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLocation } from '../../src/storage/index.ts';
import { providers } from '../storage/fixtures.ts';
import { s3Client, s3Connection } from '../support/s3.ts';

const HOUR = 3_600_000;

describe('leftovers of killed runs', () => {
  it('filesystem: old .cairn-tmp-* files go; fresh ones and those of a backup whose policy holds a live lock stay', async () => {
    const { location, env } = await providers[0].fresh();
    const store = await openLocation(location, { env });
    const root = (location.spec.filesystem as { path: string }).path;
    const file = (rel: string, ageMs: number) => {
      const abs = join(root, rel);
      mkdirSync(join(abs, '..'), { recursive: true });
      writeFileSync(abs, 'partial');
      const t = new Date(Date.now() - ageMs);
      utimesSync(abs, t, t);
      return abs;
    };
    const old = file('backups/kcm-1/.cairn-tmp-aaaaaaaaaaaa', 7 * HOUR);
    const fresh = file('backups/kcm-2/.cairn-tmp-bbbbbbbbbbbb', 60_000);
    const live = file('backups/web-1/.cairn-tmp-cccccccccccc', 7 * HOUR);
    const lock = await store.acquireLock('web', 'engine-a', 60_000);
    const removed = await store.cleanLeftovers();
    expect(removed).toEqual([expect.stringContaining('backups/kcm-1/.cairn-tmp-aaaaaaaaaaaa')]);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(live)).toBe(true);
    await lock.release();
  });

  it('S3: unfinished multipart uploads under the prefix are aborted; a live backup\'s and other prefixes\' are not', async () => {
    const { location, env } = await providers[1].fresh();
    const store = await openLocation(location, { env });
    const s3 = location.spec.s3!;
    const client = s3Client(s3Connection());
    const start = (key: string) => client.initiateNewMultipartUpload(s3.bucket, key, {});
    await start('prod/backups/kcm-1/resources.tar.gz');
    await start('prod/backups/web-1/resources.tar.gz');
    await start('other/backups/kcm-1/resources.tar.gz');
    const lock = await store.acquireLock('web', 'engine-a', 60_000);
    // Every upload is older than "1 s in the future": only the lock and the prefix protect.
    const removed = await store.cleanLeftovers(-1000);
    expect(removed).toEqual([expect.stringContaining('backups/kcm-1/resources.tar.gz')]);
    const left = (await client.listIncompleteUploadsQuery(s3.bucket, '', '', '', '')).uploads.map((u) => u.key).sort();
    expect(left).toEqual(['other/backups/kcm-1/resources.tar.gz', 'prod/backups/web-1/resources.tar.gz']);
    await lock.release();
  });
});
