// The implementation of `cairn backup get|describe|logs|delete|verify|diff` (loaded when one runs).
import { inspectBackups, type BackupQuery, type IndexEntry, type InventoryBackup } from '../backup/inspect.ts';
import { CliError, EXIT, print, printData, type Output } from './common.ts';
import { etcdDescribeRows, payloadSize } from '../backup/describe.ts';
import { chooseNamedLocation, type LocationOptions } from './location.ts';

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

function logLine(l: Record<string, unknown>): string {
  const { time, level, msg, ...rest } = l;
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  return [typeof time === 'string' ? time : '', typeof level === 'string' ? level : '', String(msg ?? ''), ...fields].filter(Boolean).join('  ');
}

export async function inspect(verb: 'get' | 'describe' | 'logs' | 'delete' | 'verify' | 'diff', names: string[], opts: InspectOptions): Promise<void> {
  const output = opts.output ?? 'table';
  const data = output === 'json' || output === 'yaml';
  const name = names[0];
  const query: BackupQuery =
    verb === 'get' ? (name ? { verb, name } : { verb }) : verb === 'diff' ? { verb, name, other: names[1] } : verb === 'delete' ? { verb, name, confirmed: opts.yes === true } : { verb, name };
  const a = await inspectBackups(await chooseNamedLocation(opts), query);
  const location = a.location;
  switch (a.verb) {
    case 'missing':
      throw new CliError(`backup ${a.name} does not exist in location ${location} (${a.count} backups there; \`cairn backup get --location ${location}\` lists them)`, EXIT.FAILED);
    case 'get': {
      if (data) return printData(name ? a.backups[0] : a.inventory, output);
      if (a.backups.length === 0) {
        // Nothing there is an answer only when the location is known to be this one: say where we looked.
        throw new CliError(`location ${location} holds no backups (is --data-dir or --location the one the reconciler uses?)`, EXIT.FAILED);
      }
      print(table(['NAME', 'PHASE', 'POLICY', 'ITEMS', 'SIZE', 'TIME', 'EXPIRES'], inventoryRows(a.backups)));
      if (!name) for (const l of a.inventory.locks) print(`lock: policy ${l.policy} held by ${l.holder} until ${l.expires}`);
      return;
    }
    case 'describe': {
      const { manifest, expiry } = a;
      if (data) return printData({ manifest, expiry }, output);
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
        ['Format', a.format],
        ['Engine', manifest.engineVersion ?? '-'],
        ...(manifest.type === 'etcd'
          ? (manifest.etcd ? etcdDescribeRows(manifest.etcd) : [['etcd', 'no snapshot (see Error)'] as [string, string]])
          : [['Items', `${manifest.totalItems} (${Object.entries(manifest.itemCounts).map(([r, n]) => `${r}: ${n}`).join(', ')})`] as [string, string]]),
        ['Encrypted', manifest.encryption ? `${manifest.encryption.algorithm}, key ${manifest.encryption.keyId.slice(0, 12)}` : 'no'],
        ['Expires', expiry ? `${expiry.deleteAfter} (${expiry.reason})` : '-'],
      ];
      for (const art of Object.values(manifest.artifacts)) rows.push([art.file, `${humanSize(art.size)} sha256:${art.sha256}`]);
      for (const w of manifest.warnings) rows.push(['Warning', w]);
      for (const e of manifest.errors) rows.push(['Error', e]);
      const width = Math.max(...rows.map(([k]) => k.length)) + 1;
      print(rows.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n'));
      return;
    }
    case 'verify': {
      const result = a.result;
      if (data) await printData(result, output);
      else if (result.ok) print(`backup ${name}: OK (${result.etcdSnapshot ? `etcd snapshot of ${result.etcdSnapshot.size} bytes matches etcd's sha256; every artifact` : `${result.itemsChecked} items and every artifact`} verified)`);
      else print([`backup ${name}: ${result.problems.length} problem(s)`, ...result.problems.map((p) => `  ${p.artifact}: ${p.message}`)].join('\n'));
      if (!result.ok) process.exitCode = EXIT.FAILED;
      return;
    }
    case 'delete':
      if (!a.deleted) throw new CliError(`refusing to delete backup ${name} from location ${location} without --yes`);
      print(`deleted backup ${name} from location ${location}`);
      return;
    case 'logs':
      if (data) return printData(a.lines, output);
      print(a.lines.length ? a.lines.map(logLine).join('\n') : `backup ${name} has an empty log`);
      return;
    case 'diff': {
      const d = a.diff;
      const other = names[1];
      if (data) return printData(d, output);
      const row = (mark: string, e: IndexEntry) => [mark, e.groupResource, e.namespace ?? '', e.name];
      const rows = [...d.added.map((e) => row('+', e)), ...d.removed.map((e) => row('-', e)), ...d.changed.map((e) => row('~', e))];
      if (rows.length) print(table(['', 'RESOURCE', 'NAMESPACE', 'NAME'], rows));
      else print(`backups ${name} and ${other} hold the same ${d.unchanged} items`);
      if (rows.length) print(`${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed, ${d.unchanged} unchanged`);
    }
  }
}
