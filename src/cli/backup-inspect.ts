// The implementation of `cairn backup get|describe|logs|delete|verify|diff` (loaded when one runs).
import { describeFormat, type IndexEntry, type InventoryBackup } from '../storage/index.ts';
import { CliError, EXIT, print, printData, type Output } from './common.ts';
import { etcdDescribeRows, payloadSize } from '../backup/describe.ts';
import { openNamedLocation, type LocationOptions } from './location.ts';

export interface InspectOptions extends LocationOptions {
  output?: Output;
  yes?: boolean;
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
    // A pre-restore safety backup belongs to no policy: say what it is rather than a prefix.
    // (restore/safety.ts records `<restore>-pre` as their policy name.)
    b.manifest?.policy ? (b.manifest.policy.endsWith('-pre') && b.name.startsWith(`${b.manifest.policy}-`) ? `(pre-restore of ${b.manifest.policy.slice(0, -4)})` : b.manifest.policy) : '-',
    b.manifest ? String(b.manifest.totalItems) : '-',
    humanSize(b.manifest ? payloadSize(b.manifest) : undefined),
    // The slot the name was taken for, on the same clock as EXPIRES (the demo runs a simulated
    // one); a one-time or manual backup shows when it started.
    b.manifest?.scheduledTime ?? b.manifest?.startTimestamp ?? b.lastModified,
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

function logLine(l: Record<string, unknown>): string {
  const { time, level, msg, ...rest } = l;
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  return [typeof time === 'string' ? time : '', typeof level === 'string' ? level : '', String(msg ?? ''), ...fields].filter(Boolean).join('  ');
}

export async function inspect(verb: 'get' | 'describe' | 'logs' | 'delete' | 'verify' | 'diff', names: string[], opts: InspectOptions): Promise<void> {
  const output = opts.output ?? 'table';
  const data = output === 'json' || output === 'yaml';
  const store = await openNamedLocation(opts);
  const inv = await store.listInventory();
  const mustExist = (name: string) => {
    const entry = inv.backups.find((b) => b.name === name);
    if (!entry) throw new CliError(`backup ${name} does not exist in location ${store.name} (${inv.backups.length} backups there; \`cairn backup get --location ${store.name}\` lists them)`, EXIT.FAILED);
    return entry;
  };

  if (verb === 'get') {
    const backups = names[0] ? [mustExist(names[0])] : inv.backups;
    if (data) return printData(names[0] ? backups[0] : inv, output);
    if (backups.length === 0) {
      // Nothing there is an answer only when the location is known to be this one: say where we looked.
      throw new CliError(`location ${store.name} holds no backups (is --data-dir or --location the one the reconciler uses?)`, EXIT.FAILED);
    }
    print(table(['NAME', 'PHASE', 'POLICY', 'ITEMS', 'SIZE', 'TIME', 'EXPIRES'], inventoryRows(backups)));
    if (!names[0]) for (const l of inv.locks) print(`lock: policy ${l.policy} held by ${l.holder} until ${l.expires}`);
    return;
  }

  const name = names[0];
  const entry = mustExist(name);
  if (verb === 'describe') {
    const manifest = await store.readManifest(name);
    if (data) return printData({ manifest, expiry: entry.expiry }, output);
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
      ['Format', describeFormat(manifest)],
      ['Engine', manifest.engineVersion ?? '-'],
      ...(manifest.type === 'etcd'
        ? (manifest.etcd ? etcdDescribeRows(manifest.etcd) : [['etcd', 'no snapshot (see Error)'] as [string, string]])
        : [['Items', `${manifest.totalItems} (${Object.entries(manifest.itemCounts).map(([r, n]) => `${r}: ${n}`).join(', ')})`] as [string, string]]),
      ['Encrypted', manifest.encryption ? `${manifest.encryption.algorithm}, key ${manifest.encryption.keyId.slice(0, 12)}` : 'no'],
      ['Expires', entry.expiry ? `${entry.expiry.deleteAfter} (${entry.expiry.reason})` : '-'],
    ];
    for (const a of Object.values(manifest.artifacts)) rows.push([a.file, `${humanSize(a.size)} sha256:${a.sha256}`]);
    for (const w of manifest.warnings) rows.push(['Warning', w]);
    for (const e of manifest.errors) rows.push(['Error', e]);
    const width = Math.max(...rows.map(([k]) => k.length)) + 1;
    print(rows.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n'));
    return;
  }
  if (verb === 'verify') {
    const result = await store.verify(name);
    if (data) await printData(result, output);
    else if (result.ok) print(`backup ${name}: OK (${result.etcdSnapshot ? `etcd snapshot of ${result.etcdSnapshot.size} bytes matches etcd's sha256; every artifact` : `${result.itemsChecked} items and every artifact`} verified)`);
    else print([`backup ${name}: ${result.problems.length} problem(s)`, ...result.problems.map((p) => `  ${p.artifact}: ${p.message}`)].join('\n'));
    if (!result.ok) process.exitCode = EXIT.FAILED;
    return;
  }
  if (verb === 'delete') {
    if (!opts.yes) throw new CliError(`refusing to delete backup ${name} from location ${store.name} without --yes`);
    if (entry.incomplete) await store.deleteIncomplete(name);
    else await store.deleteBackup(name);
    print(`deleted backup ${name} from location ${store.name}`);
    return;
  }
  if (verb === 'logs') {
    const lines = (await store.readLog(name)) as Record<string, unknown>[];
    if (data) return printData(lines, output);
    print(lines.length ? lines.map(logLine).join('\n') : `backup ${name} has an empty log`);
    return;
  }
  // diff
  const other = names[1];
  mustExist(other);
  const d = diffIndexes(await store.readIndex(name), await store.readIndex(other));
  if (data) return printData(d, output);
  const row = (mark: string, e: IndexEntry) => [mark, e.groupResource, e.namespace ?? '', e.name];
  const rows = [...d.added.map((e) => row('+', e)), ...d.removed.map((e) => row('-', e)), ...d.changed.map((e) => row('~', e))];
  if (rows.length) print(table(['', 'RESOURCE', 'NAMESPACE', 'NAME'], rows));
  else print(`backups ${name} and ${other} hold the same ${d.unchanged} items`);
  if (rows.length) print(`${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed, ${d.unchanged} unchanged`);
}
