// `cairn backups …` end to end: a real policy repository on disk, a filesystem location
// resolved against --data-dir, the CLI run as a process.
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BackupLocation } from '../../src/api/types.ts';
import { layout, openLocation, type Inventory } from '../../src/storage/index.ts';
import { readAll } from '../../src/storage/json-io.ts';
import { runMain } from '../cli/helpers.ts';
import { makeArchive, manifestInput, sampleItems, writeIndex } from './fixtures.ts';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'cairn.js');

/** The CLI as a real process (slow to start under tsx: used once). */
function cairnProcess(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, CAIRN_LOG_LEVEL: 'warn' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The same CLI entry point in-process, with its output captured. */
const cairn = (args: string[], _cwd: string) => runMain(args);

describe('cairn backup get|describe|logs|verify|diff|delete', () => {
  it('lists, describes, verifies, diffs and deletes the backups of a location', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cairn-cli-'));
    const repo = join(root, 'repo');
    await mkdir(join(repo, 'locations'), { recursive: true });
    await writeFile(
      join(repo, 'locations', 'primary.yaml'),
      'apiVersion: cairn.dev/v1alpha1\nkind: BackupLocation\nmetadata: {name: primary}\nspec:\n  default: true\n  provider: filesystem\n  filesystem: {path: backups}\n',
    );
    const dataDir = join(root, 'data');
    const location: BackupLocation = {
      apiVersion: 'cairn.dev/v1alpha1', kind: 'BackupLocation', metadata: { name: 'primary' },
      spec: { provider: 'filesystem', filesystem: { path: 'backups' } }, source: { file: 'locations/primary.yaml', line: 1, col: 1 },
    };
    const store = await openLocation(location, { baseDir: dataDir });
    for (const [name, n] of [['kcm-20261121000000', 3], ['kcm-20261121060000', 4]] as const) {
      const { archive, index } = await makeArchive(sampleItems(n));
      const w = store.beginBackup(name);
      await w.writeResources(Readable.from([archive]));
      await writeIndex(w, index);
      await w.writeLog([{ msg: `backup ${name}` }]);
      await w.commit({ ...manifestInput(name), totalItems: n });
    }
    await store.beginBackup('kcm-20261121120000').writeResources(Readable.from([Buffer.from('partial')]));
    await store.markExpiry('kcm-20261121000000', { deleteAfter: '2026-11-22T00:00:00Z', reason: 'keep: 1', markedAt: '2026-11-21T00:00:00Z' });

    const common = ['--repo', repo, '--data-dir', dataDir];
    const list = await cairnProcess(['backup', 'get', ...common], root);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['NAME', 'PHASE', 'POLICY', 'ITEMS', 'SIZE', 'TIME', 'EXPIRES']);
    expect(lines[1]).toMatch(/^kcm-20261121000000\s+Completed\s+kcm\s+3\s+\S+ B\s+\S+\s+2026-11-22T00:00:00Z$/);
    expect(lines[2]).toMatch(/^kcm-20261121060000\s+Completed\s+kcm\s+4\s/);
    expect(lines[3]).toMatch(/^kcm-20261121120000\s+Incomplete\s+-\s+-\s+-\s/);

    // The old spelling still works for one release, with a deprecation line on stderr.
    const json = await cairn(['backups', 'list', '--location', 'primary', '--output', 'json', ...common], root);
    expect(json.stderr).toBe('cairn: "cairn backups list" is deprecated and will be removed in the next release; use "cairn backup get"\n');
    const inv = JSON.parse(json.stdout) as Inventory;
    expect(inv.backups.map((b) => [b.name, b.incomplete])).toEqual([
      ['kcm-20261121000000', false], ['kcm-20261121060000', false], ['kcm-20261121120000', true],
    ]);

    const describeOut = await cairn(['backup', 'describe', 'kcm-20261121060000', ...common], root);
    expect(describeOut.stdout).toMatch(/^Phase:\s+Completed$/m);

    const diff = await cairn(['backup', 'diff', 'kcm-20261121000000', 'kcm-20261121060000', '--output', 'json', ...common], root);
    expect(JSON.parse(diff.stdout)).toMatchObject({ added: [{ name: 'cm-3' }], removed: [], changed: [], unchanged: 3 });

    const logs = await cairn(['backup', 'logs', 'kcm-20261121060000', ...common], root);
    // Table mode prints readable lines, not raw JSON; -o json gives the records.
    expect(logs.stdout.trim()).toBe('backup kcm-20261121060000');
    const logsJson = await cairn(['backup', 'logs', 'kcm-20261121060000', '-o', 'json', ...common], root);
    expect(JSON.parse(logsJson.stdout)).toEqual([{ msg: 'backup kcm-20261121060000' }]);

    expect((await cairn(['backup', 'verify', 'kcm-20261121060000', ...common], root)).code).toBe(0);
    const key = layout.resources('kcm-20261121060000', false);
    const bytes = await readAll(await store.objects.get(key));
    bytes[10] ^= 0xff;
    await store.objects.put(key, bytes);
    const bad = await cairn(['backup', 'verify', 'kcm-20261121060000', ...common], root);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/resources\.tar\.gz: .*sha256\/size mismatch/);

    const refused = await cairn(['backup', 'delete', 'kcm-20261121060000', ...common], root);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('cairn backup delete: refusing to delete backup kcm-20261121060000 from location primary without --yes\n');
    expect((await cairn(['backup', 'delete', 'kcm-20261121060000', '--yes', ...common], root)).code).toBe(0);
    expect((await store.listInventory()).backups.map((b) => b.name)).toEqual(['kcm-20261121000000', 'kcm-20261121120000']);

    const unknown = await cairn(['backup', 'get', '--location', 'nope', ...common], root);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`cairn backup get: --location nope: no BackupLocation named nope in ${repo} (locations/: primary)\n`);

    const missing = await cairn(['backup', 'describe', 'kcm-20990101000000', ...common], root);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^cairn backup describe: backup kcm-20990101000000 does not exist in location primary/);
  });
});
