// Which BackupLocation a policy, a restore or a command uses: the one rule every caller asks
// (validation, plan, engine, CLI). A name given explicitly wins; else the location marked
// `default: true`; else the only location when the repository has exactly one. Several
// defaults, or several locations and no default, choose none: guessing would put backups in
// a place nobody named. Messages say what is wrong; each caller adds what to do in its terms.
import type { BackupLocation, PolicyRepository } from './types.ts';

export type LocationChoiceCode = 'location.unknown' | 'location.none' | 'location.ambiguous';

export type LocationChoice<L> = { ok: true; location: L; implicit: boolean } | { ok: false; code: LocationChoiceCode; message: string };

/** Anything with a name and a default flag: loaded kinds, or raw entries during validation. */
export interface LocationLike {
  name: string | undefined;
  isDefault: boolean;
}

export function chooseLocation<L extends LocationLike>(locations: readonly L[], name: string | undefined): LocationChoice<L> {
  if (name !== undefined) {
    const found = locations.find((l) => l.name === name);
    if (found) return { ok: true, location: found, implicit: false };
    return { ok: false, code: 'location.unknown', message: `no BackupLocation named ${name}` };
  }
  const defaults = locations.filter((l) => l.isDefault);
  if (defaults.length === 1) return { ok: true, location: defaults[0], implicit: true };
  if (defaults.length > 1) {
    return { ok: false, code: 'location.ambiguous', message: `no location given and the default is ambiguous (${defaults.length} BackupLocations set default: true)` };
  }
  if (locations.length === 1) return { ok: true, location: locations[0], implicit: true };
  return { ok: false, code: 'location.none', message: 'no location' };
}

/** The rule over a loaded repository's BackupLocations. */
export function chooseRepoLocation(repo: Pick<PolicyRepository, 'locations'>, name: string | undefined): LocationChoice<BackupLocation> {
  const like = repo.locations.map((l) => ({ name: l.metadata.name, isDefault: l.spec.default === true, l }));
  const choice = chooseLocation(like, name);
  return choice.ok ? { ok: true, location: choice.location.l, implicit: choice.implicit } : choice;
}
