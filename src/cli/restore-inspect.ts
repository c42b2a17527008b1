// The implementation of `cairn restore get|describe` (loaded when one runs): the restore results
// a BackupLocation holds (restores/<name>/result.json.gz), written by manual and Git restores.
import { listRestoreResults, readRestoreResult } from '../restore/inspect.ts';
import { renderRestoreText } from '../restore/report.ts';
import { table } from './backup-inspect.ts';
import { CliError, EXIT, print, printData, type Output } from './common.ts';
import { chooseNamedLocation, type LocationOptions } from './location.ts';

type Options = LocationOptions & { output: Output };

export async function getRestores(name: string | undefined, opts: Options): Promise<void> {
  const { location, names, results } = await listRestoreResults(await chooseNamedLocation(opts), name);
  if (name && !names.includes(name)) throw new CliError(`restore ${name} has no result in location ${location} (${names.length} restores there)`, EXIT.FAILED);
  if (opts.output === 'json' || opts.output === 'yaml') return printData(name ? results[0] : results.map(({ items: _items, ...rest }) => rest), opts.output);
  if (results.length === 0) throw new CliError(`location ${location} holds no restore results (is --data-dir or --location the one the reconciler uses?)`, EXIT.FAILED);
  print(
    table(
      ['NAME', 'PHASE', 'BACKUP', 'ITEMS', 'FAILED', 'COMPLETED', 'DRY RUN'],
      results.map((r) => [r.name, r.phase, r.backup ?? '-', String(r.counts.total), String(r.counts.failed), r.completionTimestamp, r.dryRun ? 'yes' : '']),
    ),
  );
}

export async function describeRestore(name: string, opts: Options): Promise<void> {
  const { location, result } = await readRestoreResult(await chooseNamedLocation(opts), name);
  if (!result) throw new CliError(`restore ${name} has no result in location ${location}`, EXIT.FAILED);
  if (opts.output === 'json' || opts.output === 'yaml') return printData(result, opts.output);
  process.stdout.write(renderRestoreText(result));
}
