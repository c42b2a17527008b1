// `cairn validate` end to end: exit codes, the three output formats, and YAML safety
// (billion laughs, 1 MiB, non-UTF-8) next to a valid file that must still load.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE, cairn, policy, writeRepo, ROOT } from './fixtures.ts';

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? yamlFilesUnder(p) : /\.ya?ml$/.test(n) ? [p] : [];
  });
}

const BILLION_LAUGHS = `apiVersion: cairn.dev/v1alpha1
kind: BackupPolicy
metadata: {name: laughs}
spec:
  includedNamespaces: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  excludedNamespaces: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  includedResources: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  excludedResources: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  orLabelSelectors: [*d, *d, *d, *d, *d, *d, *d, *d, *d]
`;

describe('cairn validate', () => {
  it('accepts the example repository in policies/ and says how much it read', () => {
    const r = cairn(['validate', 'policies/']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const n = ['locations', 'clusters', 'policies', 'restores', 'modifiers']
      .filter((f) => existsSync(join(ROOT, 'policies', f)))
      .flatMap((f) => yamlFilesUnder(join(ROOT, 'policies', f))).length;
    expect(n).toBeGreaterThanOrEqual(9);
    expect(r.stdout).toBe(`policies/: ${n} objects in ${n} files, valid\n`);
  });

  it('validates the current directory when no dir is given', () => {
    const r = cairn(['validate'], join(ROOT, 'policies'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\.: \d+ objects in \d+ files, valid\n$/);
  });

  it('exits 2 for a directory that does not exist, and for an unknown format', () => {
    const missing = cairn(['validate', 'no-such-dir']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('cairn validate: no-such-dir: no such directory\n');
    const format = cairn(['validate', 'policies', '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("argument 'xml' is invalid. Allowed choices are text, json, github.");
  });

  it('prints errors as JSON a script can read, and github workflow commands', () => {
    const dir = writeRepo({
      ...BASE,
      'policies/a.yaml': policy('a', '  schedule: "@every 0s"\n'),
      'policies/ok.yaml': policy('ok', '  schedule: "@hourly"\n'),
    });
    const json = cairn(['validate', '.', '--format', 'json'], dir);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      valid: false,
      dir: '.',
      files: 3,
      objects: 3,
      errors: [
        {
          file: 'policies/a.yaml',
          line: 6,
          col: 13,
          path: 'spec.schedule',
          code: 'schedule.invalid',
          message: '"@every" needs a positive duration, got "0s"',
          kind: 'BackupPolicy',
          name: 'a',
        },
      ],
    });
    const gh = cairn(['validate', '.', '--format', 'github'], dir);
    expect(gh.code).toBe(1);
    expect(gh.stdout.split('\n')[0]).toBe('::error file=policies/a.yaml,line=6,col=13::spec.schedule: "@every" needs a positive duration, got "0s"');
  });

  it('names files relative to where it runs, so editors and annotations find them', () => {
    const dir = writeRepo({ ...BASE, 'policies/a.yaml': policy('a', '  keep: -1\n') });
    const r = cairn(['validate', join(dir)], ROOT);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe(`${join(dir, 'policies/a.yaml')}:6:9: error: spec.keep: must be at least 1 (got -1)`);
  });

  it('refuses billion laughs, huge and non-UTF-8 files, and still reports the other files', () => {
    const bad = Buffer.from('apiVersion: cairn.dev/v1alpha1\nkind: Cluster\nmetadata: {name: caf\xe9}\n', 'latin1');
    const big = `# ${'x'.repeat(1024 * 1024)}\n`;
    const dir = writeRepo({
      ...BASE,
      'clusters/latin1.yaml': bad,
      'policies/big.yaml': big,
      'policies/laughs.yaml': BILLION_LAUGHS,
      'policies/fine.yaml': policy('fine', '  schedule: "@daily"\n  keep: 7\n'),
      'policies/typo.yaml': policy('typo', '  keeep: 7\n'),
    });
    const r = cairn(['validate', '.'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      'clusters/latin1.yaml:3:21: error: file is not valid UTF-8 (byte 0xe9 at offset 65): save it as UTF-8',
      `policies/big.yaml:1:1: error: file is ${big.length} bytes; manifests are limited to 1048576 bytes (1 MiB): split it into several files`,
      'policies/laughs.yaml:6:27: error: aliases expand to too many nodes (limit 100): refusing a document that grows exponentially ("billion laughs")',
      'policies/typo.yaml:6:3: error: spec.keeep: unknown field (did you mean "keep"?)',
      '.: 4 errors in 4 files (4 objects in 6 files)',
    ]);
  });
});
