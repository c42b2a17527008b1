// Hostile files (issue 16 items 4 and 5): symlinks out of the policy repository, /proc files that
// stat as empty and read without end, and files that are not policy files named where a
// kubeconfig or key file belongs. Nothing outside the repository is read through a symlink, no
// content of a non-policy file reaches an error (errors reach Git), and every read is capped.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/api/loader.ts';
import { connectCluster } from '../../src/cluster/connect.ts';
import { openLocation } from '../../src/storage/index.ts';
import { location } from '../restore/harness.ts';

const SECRET = 'TOP-SECRET-CONTENT-4711';
let dir: string;
let repo: string;
let outside: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-hostile-files-'));
  repo = join(dir, 'repo');
  outside = join(dir, 'outside');
  mkdirSync(join(repo, 'policies'), { recursive: true });
  mkdirSync(outside);
  // Not YAML a policy could be: a parse error would quote it.
  writeFileSync(join(outside, 'secret.yaml'), `password: ${SECRET}\n  broken: [unclosed\n`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('symlinks in the policy repository', () => {
  it('a symlinked file pointing out of the repository is refused by path, its content never read', async () => {
    symlinkSync(join(outside, 'secret.yaml'), join(repo, 'policies', 'leak.yaml'));
    const loaded = await loadRepository(repo);
    const text = JSON.stringify(loaded);
    expect(text).not.toContain(SECRET);
    expect(loaded.errors.map((e) => `${e.file}: ${e.message}`)).toEqual([expect.stringMatching(/^policies\/leak\.yaml: .*symbolic link.*outside the policy repository/)]);
  });

  it('a symlinked kind folder pointing out of the repository is refused too', async () => {
    rmSync(join(repo, 'policies'), { recursive: true });
    symlinkSync(outside, join(repo, 'policies'));
    const loaded = await loadRepository(repo);
    expect(JSON.stringify(loaded)).not.toContain(SECRET);
    expect(loaded.errors.map((e) => e.message).join('\n')).toMatch(/outside the policy repository/);
  });

  it('a symlink to /proc/self/pagemap (stat size 0, endless) is refused at once', async () => {
    symlinkSync('/proc/self/pagemap', join(repo, 'policies', 'pagemap.yaml'));
    const loaded = await loadRepository(repo);
    expect(loaded.errors.map((e) => e.message).join('\n')).toMatch(/outside the policy repository/);
  });

  it('a symlink inside the repository still works', async () => {
    mkdirSync(join(repo, 'shared'));
    writeFileSync(join(repo, 'shared', 'p.yaml'), 'apiVersion: cairn.dev/v1alpha1\nkind: BackupPolicy\nmetadata: {name: p}\nspec: {keep: 3, location: l}\n');
    mkdirSync(join(repo, 'locations'));
    writeFileSync(join(repo, 'locations', 'l.yaml'), 'apiVersion: cairn.dev/v1alpha1\nkind: BackupLocation\nmetadata: {name: l}\nspec: {provider: filesystem, filesystem: {path: /var/backups/cairn}}\n');
    symlinkSync(join(repo, 'shared', 'p.yaml'), join(repo, 'policies', 'p.yaml'));
    const loaded = await loadRepository(repo);
    expect(loaded.policies.map((p) => p.metadata.name)).toEqual(['p']);
  });
});

describe('files that are not policy files', () => {
  it('a Cluster kubeconfig naming any other file: the error names the path and the problem, never the content', async () => {
    const err = await connectCluster({ kubeconfigPath: join(outside, 'secret.yaml') }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/secret\.yaml/);
    expect(String((err as Error).message)).not.toContain(SECRET);
    expect(String((err as Error).message)).not.toContain('unclosed');
  });

  it('a kubeconfig path to /proc/self/pagemap is refused past the cap, not read without end', async () => {
    const err = await connectCluster({ kubeconfigPath: '/proc/self/pagemap' }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/more than \d+ bytes/);
  });

  it('an encryption key file at /proc/self/pagemap is refused past the cap', async () => {
    const store = await openLocation(location({ provider: 'filesystem', filesystem: { path: join(dir, 'store') }, encryption: { keyFile: '/proc/self/pagemap' } }));
    const w = store.beginBackup('kcm-1');
    const { Readable } = await import('node:stream');
    const err = await w.writeResources(Readable.from([Buffer.from('x')])).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/more than \d+ bytes/);
  });
});
