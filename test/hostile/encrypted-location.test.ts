// Hostile: an encrypted location holds no plaintext (issue 16 item 2) and refuses a downgraded
// backup (item 3). Real backups and restores through the simulator into a filesystem location;
// every stored object is then scanned, gunzipped where it is gzip, for known Secret and
// ConfigMap values.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CM, cm, location, ns, startHarness, type Harness } from '../restore/harness.ts';
import type { KubeObject } from '../../src/cluster/types.ts';
import { layout, type BackupManifest } from '../../src/storage/index.ts';

const SECRET_VALUE = 'hunter2-very-secret-sauce';
const CONFIG_VALUE = 'cm-value-that-must-not-leak-41';
const env = { CAIRN_PW: 'correct horse battery staple' };

const secret = (namespace: string, name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace },
  type: 'Opaque',
  data: { password: Buffer.from(SECRET_VALUE).toString('base64') },
} as KubeObject);

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath ?? (e as { path: string }).path, e.name));
  return out;
}

/** The object's bytes, plus its gunzipped bytes when it is gzip. */
function views(bytes: Buffer): Buffer[] {
  const out = [bytes];
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      out.push(gunzipSync(bytes));
    } catch {
      /* not gzip after all */
    }
  }
  return out;
}

const needles = [SECRET_VALUE, Buffer.from(SECRET_VALUE).toString('base64'), CONFIG_VALUE];

let h: Harness | undefined;
let storeDir = '';
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function encryptedHarness(): Promise<Harness> {
  storeDir = '';
  const harness = await startHarness({
    objects: [ns('team-a'), cm('team-a', 'settings', { color: CONFIG_VALUE }), secret('team-a', 'db')],
    location: location({ provider: 'filesystem', filesystem: { path: 'store' }, encryption: { passphraseFromEnv: 'CAIRN_PW' } }),
    env,
  });
  storeDir = (harness.store.objects as unknown as { root: string }).root;
  return harness;
}

describe('an encrypted location holds no plaintext', () => {
  it('after backup, restore (with a diff and a safety backup) and verify, no stored object contains a known Secret or ConfigMap value', async () => {
    h = await encryptedHarness();
    expect((await h.backup('apps-1', { includedNamespaces: ['team-a'] })).phase).toBe('Completed');
    // Change the live objects so the restores record diffs (live → backup, holding the backed-up
    // values) and the real one takes a pre-restore backup.
    const SECRETS = { group: '', version: 'v1', resource: 'secrets', namespaced: true };
    await h.client.patch(CM, 'team-a', 'settings', { data: { color: 'changed' } }, 'merge');
    await h.client.patch(SECRETS, 'team-a', 'db', { data: { password: Buffer.from('changed').toString('base64') } }, 'merge');
    const dry = await h.restore('r2', { backupName: 'apps-1', dryRun: true });
    expect(dry.phase).toBe('Completed');
    expect(JSON.stringify(dry.items)).toContain(CONFIG_VALUE); // the diff really holds the value
    const result = await h.restore('r1', { backupName: 'apps-1' });
    expect(result.phase).toBe('Completed');
    expect(JSON.stringify(result.items)).toContain(CONFIG_VALUE);
    expect((await h.store.verify('apps-1')).ok).toBe(true);
    expect(await h.store.readRestoreResult('r1')).toMatchObject({ phase: 'Completed' });

    const stored = await files(storeDir);
    expect(stored.length).toBeGreaterThan(6);
    const leaks: string[] = [];
    for (const f of stored) {
      for (const v of views(await readFile(f))) for (const n of needles) if (v.includes(n)) leaks.push(`${f.slice(storeDir.length)} holds ${n}`);
    }
    expect(leaks).toEqual([]);
  });
});

describe('encryption downgrade is refused', () => {
  it('a plaintext archive with a manifest stripped of its encryption record fails verify and is not restored', async () => {
    h = await encryptedHarness();
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    // An attacker with write access to storage replaces the archive with a plaintext one and
    // rewrites the manifest to match: no encryption record, fresh digests.
    const dir = join(storeDir, layout.backupDir('apps-1'));
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
    const { makeArchive } = await import('../storage/fixtures.ts');
    const evil = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'evil', namespace: 'team-a' }, data: { x: 'y' } };
    const { archive, index } = await makeArchive([{ groupResource: 'configmaps', namespace: 'team-a', name: 'evil', body: evil }]);
    const indexGz = gzipSync(Buffer.from(JSON.stringify(index)));
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    for (const f of await readdir(dir)) if (f !== 'manifest.json') await rm(join(dir, f));
    await writeFile(join(dir, 'resources.tar.gz'), archive);
    await writeFile(join(dir, 'index.json.gz'), indexGz);
    const log = gzipSync(Buffer.from(''));
    await writeFile(join(dir, 'log.jsonl.gz'), log);
    const { encryption: _e, ...rest } = manifest;
    const downgraded = {
      ...rest,
      artifacts: {
        resources: { file: 'resources.tar.gz', sha256: sha(archive), size: archive.length },
        index: { file: 'index.json.gz', sha256: sha(indexGz), size: indexGz.length },
        log: { file: 'log.jsonl.gz', sha256: sha(log), size: log.length },
      },
    };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(downgraded));

    const verified = await h.store.verify('apps-1');
    expect(verified.ok).toBe(false);
    expect(verified.problems.map((p) => p.message).join('\n')).toMatch(/not encrypted/);
    const result = await h.restore('r1', { backupName: 'apps-1' });
    expect(result.phase).toBe('FailedValidation');
    expect(result.errors.join('\n')).toMatch(/not encrypted/);
    expect(await h.get(CM, 'team-a', 'evil')).toBeUndefined();
  });

  it('a manifest whose authenticated fields were edited (encryption record kept) is refused', async () => {
    h = await encryptedHarness();
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    const path = join(storeDir, layout.manifest('apps-1'));
    const manifest = JSON.parse(await readFile(path, 'utf8')) as BackupManifest;
    await writeFile(path, JSON.stringify({ ...manifest, policy: 'other', phase: 'Completed', totalItems: 99 }));
    const verified = await h.store.verify('apps-1');
    expect(verified.ok).toBe(false);
    expect(verified.problems.map((p) => p.message).join('\n')).toMatch(/manifest/);
    const result = await h.restore('r1', { backupName: 'apps-1' });
    expect(result.phase).toBe('FailedValidation');
  });
});

describe('a manifest is checked against where it was found', () => {
  it('a manifest copied from another backup is refused by restore and verify', async () => {
    h = await startHarness({ objects: [ns('team-a'), cm('team-a', 'settings', { color: 'blue' })] });
    storeDir = (h.store.objects as unknown as { root: string }).root;
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    await h.client.delete(CM, 'team-a', 'settings');
    await h.backup('apps-2', { includedNamespaces: ['team-a'] });
    // Swap: apps-2's directory now holds apps-1's manifest (an older state).
    await writeFile(join(storeDir, layout.manifest('apps-2')), await readFile(join(storeDir, layout.manifest('apps-1'))));
    const verified = await h.store.verify('apps-2');
    expect(verified.ok).toBe(false);
    expect(verified.problems.map((p) => p.message).join('\n')).toMatch(/names backup apps-1/);
    const result = await h.restore('r1', { backupName: 'apps-2' });
    expect(result.phase).toBe('FailedValidation');
    expect(result.errors.join('\n')).toMatch(/names backup apps-1/);
  });

  it('a manifest naming another location, or claiming another policy, is not used', async () => {
    h = await startHarness({ objects: [ns('team-a'), cm('team-a', 'settings', { color: 'blue' })] });
    storeDir = (h.store.objects as unknown as { root: string }).root;
    await h.backup('apps-1', { includedNamespaces: ['team-a'] });
    const path = join(storeDir, layout.manifest('apps-1'));
    const manifest = JSON.parse(await readFile(path, 'utf8')) as BackupManifest;
    await writeFile(path, JSON.stringify({ ...manifest, location: 'elsewhere' }));
    expect((await h.store.verify('apps-1')).problems.map((p) => p.message).join('\n')).toMatch(/written to location elsewhere/);
    expect((await h.restore('r1', { backupName: 'apps-1' })).phase).toBe('FailedValidation');

    // A manifest edited to claim policy "other" never stands in for that policy's latest backup.
    await writeFile(path, JSON.stringify({ ...manifest, policy: 'other' }));
    const byPolicy = await h.restore('r2', { policy: 'other', dryRun: true });
    expect(byPolicy.phase).toBe('FailedValidation');
    expect(byPolicy.errors.join('\n')).toMatch(/no Completed backup .*skipped apps-1: a backup claiming policy other/);
  });
});
