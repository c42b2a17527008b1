// loadRepository on real directories: defaults, positions, folders, frozen objects, sorting.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/api/loader.ts';
import { RepositoryError } from '../../src/api/errors.ts';
import { API, BASE, cluster, policy, writeRepo, ROOT } from './fixtures.ts';

describe('loadRepository', () => {
  it('loads the example repository with the schema defaults applied', async () => {
    const repo = await loadRepository(join(ROOT, 'policies'));
    expect(repo.errors).toEqual([]);
    expect(repo.frozen).toEqual([]);
    expect(repo.locations.map((l) => l.metadata.name)).toEqual(['local', 'offsite', 'vault']);
    expect(repo.clusters.map((c) => c.metadata.name)).toEqual(['prod-control-plane', 'prod']);
    expect(repo.policies.map((p) => p.metadata.name).sort()).toEqual(['before-upgrade', 'daily-encrypted', 'etcd-like', 'kcm', 'prod-etcd']);
    // No RestoreRequest: a copy of the example must never restore into a cluster by itself.
    expect(repo.restores).toEqual([]);
    expect(repo.modifiers.map((m) => m.metadata.name)).toEqual(['patch-release']);

    const kcm = repo.policies.find((p) => p.metadata.name === 'kcm')!;
    expect(kcm.spec).toMatchObject({
      location: 'local', // resolved from the default location
      gracePeriod: '24h',
      failedBackupTTL: '72h',
      deletionPolicy: 'Retain',
      includedNamespaces: ['*'],
      includedResources: ['*'],
      suspend: false,
    });
    expect(kcm.spec.orLabelSelectors).toHaveLength(3);
    expect(kcm.source).toEqual({ file: 'policies/kcm.yaml', line: 4, col: 1, doc: 0 });

    const offsite = repo.locations.find((l) => l.metadata.name === 'offsite')!;
    expect(offsite.spec.s3).toMatchObject({ region: 'us-east-1', forcePathStyle: true, insecureSkipTLSVerify: false, prefix: 'prod' });
    expect(offsite.spec.default).toBe(false);

    // The demo's request lives in samples/restores/, added on purpose next to a copy of policies/.
    const withRestore = mkdtempSync(join(tmpdir(), 'cairn-loader-'));
    cpSync(join(ROOT, 'policies'), withRestore, { recursive: true });
    cpSync(join(ROOT, 'samples/restores'), join(withRestore, 'restores'), { recursive: true });
    const both = await loadRepository(withRestore);
    rmSync(withRestore, { recursive: true, force: true });
    expect(both.errors).toEqual([]);
    const restore = both.restores[0];
    expect(restore.metadata.name).toBe('rollback-release');
    expect(restore.spec).toMatchObject({ policy: 'kcm', existingResourcePolicy: 'update', preRestoreBackup: true, namespaceMapping: { 'team-a': 'team-a-restored' } });
    expect(repo.modifiers[0].spec.resourceModifierRules[0]).toEqual({
      conditions: { groupResource: 'managements.k0rdent.mirantis.com' },
      patches: [{ operation: 'replace', path: '/spec/release', value: 'kcm-1-0-0' }],
    });
  });

  it('reads .yml, nested folders and multi-document files; ignores status/ and other folders', async () => {
    const dir = writeRepo({
      ...BASE,
      'clusters/eu/two.yml': `${cluster('eu-1', '  inCluster: true\n')}---\n# only a comment\n---\n${cluster('eu-2', '  kubeconfig: /k/eu2\n')}`,
      'status/policies/kcm.yaml': 'anything: [unparsed',
      'docs/example.yaml': 'kind: Nonsense',
      'policies/notes.txt': 'not yaml',
    });
    const repo = await loadRepository(dir);
    expect(repo.errors).toEqual([]);
    expect(repo.clusters.map((c) => [c.metadata.name, c.source])).toEqual([
      ['eu-1', { file: 'clusters/eu/two.yml', line: 1, col: 1, doc: 0 }],
      ['eu-2', { file: 'clusters/eu/two.yml', line: 10, col: 1, doc: 2 }],
    ]);
    expect(repo.files).toEqual(['clusters/eu/two.yml', 'locations/base.yaml']);
  });

  it('leaves a broken file out and freezes what it defined, while the file next to it loads', async () => {
    const dir = writeRepo({
      ...BASE,
      'policies/good.yaml': policy('good', '  schedule: "@hourly"\n  keep: 24\n'),
      // One bad document spoils the file: both of its policies are frozen, neither is loaded.
      'policies/pair.yaml': `${policy('first', '  keep: 1\n')}---\n${policy('second', '  keep: zero\n')}`,
      'policies/garbage.yaml': Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xc3, 0x28]),
      'policies/unclosed.yaml': policy('unclosed', '  schedule: "@daily\n'),
    });
    const repo = await loadRepository(dir);
    expect(repo.policies.map((p) => p.metadata.name)).toEqual(['good']);
    expect(repo.frozen).toEqual([
      { file: 'policies/garbage.yaml' },
      { kind: 'BackupPolicy', name: 'first', file: 'policies/pair.yaml' },
      { kind: 'BackupPolicy', name: 'second', file: 'policies/pair.yaml' },
      { kind: 'BackupPolicy', name: 'unclosed', file: 'policies/unclosed.yaml' },
    ]);
    expect(repo.errors.map((e) => [e.file, e.line, e.col, e.code])).toEqual([
      ['policies/garbage.yaml', 1, 7, 'file.encoding'],
      ['policies/pair.yaml', 13, 9, 'schema.type'],
      ['policies/unclosed.yaml', 7, 1, 'yaml.syntax'],
    ]);
  });

  it('freezes a misspelt kind under the kind of its folder, so its backups are kept', async () => {
    const dir = writeRepo({ ...BASE, 'policies/kcm.yaml': `${API}\nkind: BackupPolicyy\nmetadata: {name: kcm}\nspec: {}\n` });
    const repo = await loadRepository(dir);
    expect(repo.frozen).toEqual([{ kind: 'BackupPolicy', name: 'kcm', file: 'policies/kcm.yaml' }]);
  });

  it('sorts errors by file, line, col and path', async () => {
    const dir = writeRepo({
      ...BASE,
      'policies/z.yaml': policy('z', '  keep: 0\n  ttl: 1d\n'),
      'policies/a.yaml': policy('a', '  labelSelector: {matchLabels: {x: y}}\n  orLabelSelectors: [{matchLabels: {k: "bad value!"}}]\n'),
    });
    const repo = await loadRepository(dir);
    expect(repo.errors.map((e) => `${e.file}:${e.line}:${e.col} ${e.path}`)).toEqual([
      'policies/a.yaml:7:21 spec.orLabelSelectors',
      'policies/a.yaml:7:40 spec.orLabelSelectors[0].matchLabels.k',
      'policies/z.yaml:6:9 spec.keep',
      'policies/z.yaml:7:8 spec.ttl',
    ]);
  });

  it('never echoes an inline secret into an error', async () => {
    const dir = writeRepo({
      ...BASE,
      'locations/s3.yaml': `${API}\nkind: BackupLocation\nmetadata: {name: s3}\nspec:\n  provider: s3\n  s3:\n    endpoint: https://s3.example.com\n    bucket: backups\n    credentials: {accessKeyId: AKIASECRETVALUE1, secretAccessKey: SuperSecret42}\n`,
    });
    const repo = await loadRepository(dir);
    expect(repo.errors.map((e) => e.code)).toEqual(['credential.inline', 'credential.inline']);
    expect(repo.errors.map((e) => e.message).join('\n')).toContain('use spec.s3.credentials.accessKeyIdFromEnv');
    expect(JSON.stringify(repo)).not.toMatch(/AKIASECRETVALUE1|SuperSecret42/);
  });

  it('needs a location for a policy that names none, and rejects a time without a zone', async () => {
    const dir = writeRepo({
      'policies/p.yaml': policy('p', '  keep: 1\n'),
      'restores/r.yaml': `${API}\nkind: RestoreRequest\nmetadata: {name: r}\nspec:\n  policy: p\n  at: 2026-11-21T06:00:00\n`,
    });
    const repo = await loadRepository(dir);
    expect(repo.errors.map((e) => `${e.file}:${e.line}:${e.col}: ${e.path}: ${e.message}`)).toEqual([
      'policies/p.yaml:5:1: spec: no location: set spec.location, or mark one BackupLocation with spec.default: true',
      'restores/r.yaml:6:7: spec.at: "2026-11-21T06:00:00" is not an RFC 3339 date-time, e.g. "2026-11-21T06:00:00Z"',
    ]);
  });

  it('throws a RepositoryError for a directory that does not exist', async () => {
    await expect(loadRepository('/nonexistent/cairn-repo')).rejects.toBeInstanceOf(RepositoryError);
    await expect(loadRepository('/nonexistent/cairn-repo')).rejects.toMatchObject({ code: 'repository.not-found' });
  });
});
