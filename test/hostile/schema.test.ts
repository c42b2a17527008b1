// Dangerous documents (issue 16, Low): no apiVersion, a grace period that makes deletion
// immediate, and filesystem locations at / or inside the policy repository.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/api/loader.ts';
import { openLocation } from '../../src/storage/index.ts';
import { location } from '../restore/harness.ts';

let repo: string;
beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'cairn-hostile-schema-'));
  for (const d of ['locations', 'policies']) mkdirSync(join(repo, d));
  writeFileSync(join(repo, 'locations', 'ok.yaml'), 'apiVersion: cairn.dev/v1alpha1\nkind: BackupLocation\nmetadata: {name: ok}\nspec: {default: true, provider: filesystem, filesystem: {path: /var/backups/cairn}}\n');
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

async function errorsOf(file: string, text: string): Promise<string[]> {
  writeFileSync(join(repo, file), text);
  return (await loadRepository(repo)).errors.filter((e) => e.file === file).map((e) => `${e.path ?? ''}: ${e.message}`);
}

describe('documents that must be refused', () => {
  it('a document without apiVersion', async () => {
    const errors = await errorsOf('policies/p.yaml', 'kind: BackupPolicy\nmetadata: {name: p}\nspec: {keep: 3}\n');
    expect(errors.join('\n')).toMatch(/apiVersion/);
  });

  it('a gracePeriod below the minimum, saying why', async () => {
    for (const g of ['0s', '5m']) {
      const errors = await errorsOf('policies/p.yaml', `apiVersion: cairn.dev/v1alpha1\nkind: BackupPolicy\nmetadata: {name: p}\nspec: {keep: 3, gracePeriod: ${g}}\n`);
      expect(errors.join('\n')).toMatch(/spec\.gracePeriod.*at least 1h.*revert/);
    }
    expect(await errorsOf('policies/p.yaml', 'apiVersion: cairn.dev/v1alpha1\nkind: BackupPolicy\nmetadata: {name: p}\nspec: {keep: 3, gracePeriod: 1h}\n')).toEqual([]);
  });

  it('a filesystem location at / or in a system directory', async () => {
    for (const path of ['/', '/etc', '/proc/self', '/usr/', '//']) {
      const errors = await errorsOf('locations/bad.yaml', `apiVersion: cairn.dev/v1alpha1\nkind: BackupLocation\nmetadata: {name: bad}\nspec: {provider: filesystem, filesystem: {path: "${path}"}}\n`);
      expect(errors.join('\n'), path).toMatch(/spec\.filesystem\.path: .*(system directory|root)/);
    }
  });

  it('a filesystem location inside the policy repository is refused when opened', async () => {
    const loc = location({ provider: 'filesystem', filesystem: { path: join(repo, 'backups') } });
    await expect(openLocation(loc, { refuseInside: [repo] })).rejects.toThrow(/inside the policy repository/);
    await expect(openLocation(location({ provider: 'filesystem', filesystem: { path: 'backups' } }), { baseDir: repo, refuseInside: [repo] })).rejects.toThrow(/inside the policy repository/);
    await expect(openLocation(location({ provider: 'filesystem', filesystem: { path: join(repo, '..', 'elsewhere') } }), { refuseInside: [repo] })).resolves.toBeDefined();
  });
});
