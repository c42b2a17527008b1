// The restore results a BackupLocation holds (restores/<name>/result.json.gz, written by manual
// and Git restores), read for `cairn restore get|describe`: the application functions behind
// those commands. They open the location the command chose and return values to format.
import { openChosen, type ChosenLocation } from '../backup/inspect.ts';
import type { RestoreResult } from './types.ts';

/** Every restore with a result in the location (or the one named, when it has one), and their names. */
export async function listRestoreResults(at: ChosenLocation, name?: string): Promise<{ location: string; names: string[]; results: RestoreResult[] }> {
  const store = await openChosen(at);
  const names = (await store.listInventory()).restores;
  const results: RestoreResult[] = [];
  if (name && !names.includes(name)) return { location: store.name, names, results };
  for (const n of name ? [name] : names) {
    const r = await store.readRestoreResult<RestoreResult>(n);
    if (r) results.push(r);
  }
  return { location: store.name, names, results };
}

/** One restore's result, undefined when the location holds none by that name. */
export async function readRestoreResult(at: ChosenLocation, name: string): Promise<{ location: string; result: RestoreResult | undefined }> {
  const store = await openChosen(at);
  return { location: store.name, result: await store.readRestoreResult<RestoreResult>(name) };
}
