// Messages that must not mislead (issue 16, Low): a storage 403 says it was refused, where, and
// what to do, not that an object is missing or that the write failed for no reason.
import { describe, expect, it } from 'vitest';
import { openLocation, StorageError } from '../../src/storage/index.ts';
import { providers, SECRET_VAR } from '../storage/fixtures.ts';

describe('storage refusals', () => {
  it('S3 with a wrong secret key: storage.access-denied naming the location, the object and what to check', async () => {
    const { location, env } = await providers[1].fresh();
    const store = await openLocation(location, { env: { ...env, [SECRET_VAR]: 'not-the-secret-key' } });
    const err = await store.objects.put('locks/x.json', Buffer.from('{}')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('storage.access-denied');
    expect((err as Error).message).toMatch(/^location primary: writing locks\/x\.json was refused by s3:\/\/.* \((SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied)\): .*(check the access key|grant)/);
    expect((err as Error).message).not.toContain('not-the-secret-key');
  });
});

describe('filesystem refusals', () => {
  it('a location path that is a file: says what failed, where, and what to do', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { location } = await import('../restore/harness.ts');
    const dir = mkdtempSync(join(tmpdir(), 'cairn-hostile-errors-'));
    writeFileSync(join(dir, 'store'), 'not a directory');
    const store = await openLocation(location({ provider: 'filesystem', filesystem: { path: join(dir, 'store') } }));
    const err = await store.objects.put('locks/x.json', Buffer.from('{}')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(/^filesystem .*store: writing locks\/x\.json failed \(ENOTDIR\): a file stands where the location needs a directory/);
  });
});
