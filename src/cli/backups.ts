// `cairn backups list|describe|verify|delete|logs|diff`: the inventory of one BackupLocation,
// read from the policy repository's location definition. Thin: parse, call storage, print.
import { chooseRepoLocation } from '../api/location-choice.ts';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadRepository } from '../api/loader.ts';
import { openLocation, type BackupStore, type IndexEntry, type InventoryBackup } from '../storage/index.ts';
import { createLogger } from '../log.ts';
import { etcdDescribeRows, payloadSize } from '../backup/describe.ts';

interface CommonOptions {
  location?: string;
  repo: string;
  dataDir: string;
  output: 'table' | 'json';
}

async function openFromRepo(opts: CommonOptions): Promise<BackupStore> {
  const repoDir = resolve(opts.repo);
  const repo = await loadRepository(repoDir);
  const names = repo.locations.map((l) => l.metadata.name);
  const choice = chooseRepoLocation(repo, opts.location);
  if (!choice.ok) {
    const what = opts.location ? choice.message : `${choice.message} (set spec.default: true or pass --location)`;
    const invalid = repo.errors.filter((e) => e.file.startsWith('locations/')).map((e) => `\n  ${e.file}:${e.line}:${e.col}: ${e.path}: ${e.message}`);
    throw new Error(`${what} in ${repoDir}/locations; valid locations: ${names.length ? names.join(', ') : '(none)'}${invalid.join('')}`);
  }
  return openLocation(choice.location, { baseDir: resolve(opts.dataDir), logger: createLogger({ level: process.env.CAIRN_LOG_LEVEL ?? 'warn' }) });
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function humanSize(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

function phaseOf(b: InventoryBackup): string {
  if (b.manifest) return b.manifest.phase;
  return b.manifestError ? 'Unreadable' : 'Incomplete';
}

function inventoryRows(backups: InventoryBackup[]): string[][] {
  return backups.map((b) => [
    b.name,
    phaseOf(b),
    b.manifest?.policy ?? '-',
    b.manifest ? String(b.manifest.totalItems) : '-',
    humanSize(b.manifest ? payloadSize(b.manifest) : undefined),
    b.manifest?.startTimestamp ?? b.lastModified,
    b.expiry?.deleteAfter ?? '',
  ]);
}

/** Items added, removed and changed between two backups, by their path in the archive. */
export function diffIndexes(a: IndexEntry[], b: IndexEntry[]): { added: IndexEntry[]; removed: IndexEntry[]; changed: IndexEntry[]; unchanged: number } {
  const before = new Map(a.map((e) => [e.path, e]));
  const added: IndexEntry[] = [];
  const changed: IndexEntry[] = [];
  let unchanged = 0;
  for (const e of b) {
    const old = before.get(e.path);
    if (!old) added.push(e);
    else if (old.sha256 !== e.sha256) changed.push(e);
    else unchanged += 1;
    before.delete(e.path);
  }
  return { added, removed: [...before.values()], changed, unchanged };
}

function withCommon(cmd: Command): Command {
  return cmd
    .option('--location <name>', 'BackupLocation to read (default: the location with default: true)')
    .option('--repo <dir>', 'policy repository', '.')
    .option('--data-dir <dir>', 'base directory for relative filesystem locations and key files', '.cairn/data')
    .option('--output <format>', 'table or json', 'table');
}

function checkOutput(opts: CommonOptions): void {
  if (opts.output !== 'table' && opts.output !== 'json') throw new Error(`--output must be table or json, not ${JSON.stringify(opts.output)}`);
}

export function registerBackups(program: Command): void {
  const backups = program.command('backups').description("inspect a BackupLocation's backups");

  withCommon(backups.command('list').description('list backups, incomplete uploads, expiry marks and locks')).action(async (opts: CommonOptions) => {
    checkOutput(opts);
    const inv = await (await openFromRepo(opts)).listInventory();
    if (opts.output === 'json') return printJson(inv);
    print(table(['NAME', 'PHASE', 'POLICY', 'ITEMS', 'SIZE', 'STARTED', 'EXPIRES'], inventoryRows(inv.backups)));
    for (const l of inv.locks) print(`lock: policy ${l.policy} held by ${l.holder} until ${l.expires}`);
  });

  withCommon(backups.command('describe <name>').description("show a backup's manifest and expiry mark")).action(async (name: string, opts: CommonOptions) => {
    checkOutput(opts);
    const store = await openFromRepo(opts);
    const manifest = await store.readManifest(name);
    const entry = (await store.listInventory()).backups.find((b) => b.name === name);
    if (opts.output === 'json') return printJson({ manifest, expiry: entry?.expiry });
    const rows: [string, string][] = [
      ['Name', manifest.name],
      ['Phase', manifest.phase],
      ['Policy', manifest.policy],
      ['Location', manifest.location],
      ['Git revision', manifest.gitRevision ?? '-'],
      ['Scheduled', manifest.scheduledTime ?? (manifest.trigger ? `trigger ${manifest.trigger}` : '-')],
      ['Started', manifest.startTimestamp],
      ['Completed', manifest.completionTimestamp],
      ['Cluster', `${manifest.cluster.name} (${manifest.cluster.serverVersion})`],
      ...(manifest.type === 'etcd'
        ? (manifest.etcd ? etcdDescribeRows(manifest.etcd) : [['etcd', 'no snapshot (see Error)'] as [string, string]])
        : [['Items', `${manifest.totalItems} (${Object.entries(manifest.itemCounts).map(([r, n]) => `${r}: ${n}`).join(', ')})`] as [string, string]]),
      ['Encrypted', manifest.encryption ? `${manifest.encryption.algorithm}, key ${manifest.encryption.keyId.slice(0, 12)}` : 'no'],
      ['Expires', entry?.expiry ? `${entry.expiry.deleteAfter} (${entry.expiry.reason})` : '-'],
    ];
    for (const a of Object.values(manifest.artifacts)) rows.push([a.file, `${humanSize(a.size)} sha256:${a.sha256}`]);
    for (const w of manifest.warnings) rows.push(['Warning', w]);
    for (const e of manifest.errors) rows.push(['Error', e]);
    const width = Math.max(...rows.map(([k]) => k.length)) + 1;
    print(rows.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n'));
  });

  withCommon(backups.command('verify <name>').description('re-hash every artifact and item; exit 1 on a mismatch')).action(async (name: string, opts: CommonOptions) => {
    checkOutput(opts);
    const result = await (await openFromRepo(opts)).verify(name);
    if (opts.output === 'json') printJson(result);
    else if (result.ok) print(`backup ${name}: OK (${result.etcdSnapshot ? `etcd snapshot of ${result.etcdSnapshot.size} bytes matches etcd's sha256; 2 artifacts` : `${result.itemsChecked} items and 3 artifacts`} verified)`);
    else print([`backup ${name}: ${result.problems.length} problem(s)`, ...result.problems.map((p) => `  ${p.artifact}: ${p.message}`)].join('\n'));
    if (!result.ok) process.exitCode = 1;
  });

  withCommon(backups.command('delete <name>').description('delete a backup (manifest first)').option('--yes', 'confirm the deletion')).action(
    async (name: string, opts: CommonOptions & { yes?: boolean }) => {
      const store = await openFromRepo(opts);
      const entry = (await store.listInventory()).backups.find((b) => b.name === name);
      if (!entry) throw new Error(`backup ${name} does not exist in location ${store.name}`);
      if (!opts.yes) {
        process.stderr.write(`refusing to delete backup ${name} from location ${store.name} without --yes\n`);
        process.exitCode = 1;
        return;
      }
      if (entry.incomplete) await store.deleteIncomplete(name);
      else await store.deleteBackup(name);
      print(`deleted backup ${name} from location ${store.name}`);
    },
  );

  withCommon(backups.command('logs <name>').description("print a backup's log")).action(async (name: string, opts: CommonOptions) => {
    checkOutput(opts);
    const lines = await (await openFromRepo(opts)).readLog(name);
    if (opts.output === 'json') return printJson(lines);
    print(lines.map((l) => JSON.stringify(l)).join('\n'));
  });

  withCommon(backups.command('diff <a> <b>').description('items added, removed and changed from backup a to backup b')).action(
    async (a: string, b: string, opts: CommonOptions) => {
      checkOutput(opts);
      const store = await openFromRepo(opts);
      const d = diffIndexes(await store.readIndex(a), await store.readIndex(b));
      if (opts.output === 'json') return printJson(d);
      const row = (mark: string, e: IndexEntry) => [mark, e.groupResource, e.namespace ?? '', e.name];
      print(table(['', 'RESOURCE', 'NAMESPACE', 'NAME'], [...d.added.map((e) => row('+', e)), ...d.removed.map((e) => row('-', e)), ...d.changed.map((e) => row('~', e))]));
      print(`${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed, ${d.unchanged} unchanged`);
    },
  );
}
