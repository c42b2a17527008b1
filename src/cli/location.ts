// Choosing the BackupLocation a command names, from the policy repository --repo names (read the
// same way on every command: src/cli/policy-source.ts). The command hands the choice to its
// application function, which opens it. Imported lazily by the commands that touch storage.
import { resolve } from 'node:path';
import { chooseRepoLocation } from '../api/location-choice.ts';
import { loadRepository } from '../api/loader.ts';
import type { BackupLocation, PolicyRepository } from '../api/types.ts';
import type { ChosenLocation } from '../backup/inspect.ts';
import { embeddedLocation } from '../backup/resolve.ts';
import { createLogger } from '../log.ts';
import { CliError, EXIT } from './common.ts';
import { readPolicySource } from './policy-source.ts';

export interface LocationOptions {
  location?: string;
  repo: string;
  dataDir: string;
  branch?: string;
}

export async function loadPolicyRepository(opts: { repo: string; dataDir: string; branch?: string }): Promise<{ repo: PolicyRepository; dir: string }> {
  const source = await readPolicySource(opts.repo, { dataDir: opts.dataDir, ...(opts.branch ? { branch: opts.branch } : {}) });
  return { repo: await loadRepository(source.dir), dir: source.dir };
}

export function pickLocation(repo: PolicyRepository, name: string | undefined, repoName: string, dataDir: string): BackupLocation {
  // No location at all: the embedded default (the data directory itself), as `restore create` uses.
  if (repo.locations.length === 0 && repo.errors.length === 0 && (name === undefined || name === 'default')) return embeddedLocation(dataDir);
  const choice = chooseRepoLocation(repo, name);
  if (choice.ok) return choice.location;
  const names = repo.locations.map((l) => l.metadata.name);
  const what = name ? `--location ${name}: ${choice.message}` : `${choice.message}: choose one with --location, or mark one BackupLocation with spec.default: true`;
  const invalid = repo.errors.filter((e) => e.file.startsWith('locations/')).map((e) => `\n  ${e.file}:${e.line}:${e.col}: ${e.path}: ${e.message}`);
  throw new CliError(`${what} in ${repoName} (locations/: ${names.length ? names.join(', ') : 'none'})${invalid.join('')}`, EXIT.USAGE);
}

export async function chooseNamedLocation(opts: LocationOptions): Promise<ChosenLocation> {
  const { repo } = await loadPolicyRepository(opts);
  const location = pickLocation(repo, opts.location, opts.repo, resolve(opts.dataDir));
  return { location, dataDir: resolve(opts.dataDir), logger: createLogger({ level: process.env.CAIRN_LOG_LEVEL ?? 'warn' }) };
}
