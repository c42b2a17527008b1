// What every cairn command shares: exit codes, the error a command reports, the one meaning of
// each common flag (--repo, -o/--output, --data-dir, --log-level), and the default data
// directory. Light on purpose: main.ts loads this before it knows which command runs, so nothing
// here imports a heavy module (issue 17).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Option, type Command } from 'commander';

/** Exit codes, one table for every command (README "Exit codes"). */
export const EXIT = {
  /** The command did what was asked and found nothing wrong. */
  OK: 0,
  /** The thing failed or was found wrong: invalid files, a failed backup, a checksum mismatch, nothing found. */
  FAILED: 1,
  /** Usage or environment error: a bad flag, a missing file, variable or passphrase, an unreadable location. */
  USAGE: 2,
} as const;

/**
 * An error a command reports as `cairn <command>: <message>` and exits with `exitCode`. The
 * message names the object and the file or variable involved.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.USAGE,
  ) {
    super(message);
  }
}

/** Error codes (errors are values with codes) that mean "fix your setup", not "it failed". */
const ENVIRONMENT_CODES = new Set([
  'storage.credentials', // a variable a location names is not set
  'storage.config',
  'storage.unavailable', // a filesystem location whose path does not exist (not mounted?)
  'storage.wrong-key', // the passphrase or key file does not open this location
  'cluster.config', // no kubeconfig, a missing file, an unknown context
  'git.auth',
  'git.clone',
  'git.remote-mismatch',
  'ref.location',
  'ref.cluster',
]);

/** The exit code for an error a command threw (README "Exit codes"). */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && (ENVIRONMENT_CODES.has(code) || code.startsWith('repository.'))) return EXIT.USAGE;
  return EXIT.FAILED;
}

/** The value of -o/--output: table (or text) for people, json/yaml for scripts, and special formats. */
export type Output = 'table' | 'text' | 'json' | 'yaml' | 'github' | 'markdown';

/** `-o, --output <format>` with the command's choices; the first is the default. */
export function outputOption(choices: Output[]): Option {
  return new Option('-o, --output <format>', 'output format').choices(choices).default(choices[0]);
}

/** Prints data as JSON or YAML (yaml loaded only when asked for). */
export async function printData(value: unknown, output: Output): Promise<void> {
  if (output === 'yaml') {
    const { stringify } = await import('yaml');
    process.stdout.write(stringify(value, { aliasDuplicateObjects: false }));
  } else {
    // int64 values beyond 2^53 are bigints (exact-json.ts): written with their digits, never rounded.
    const { stringifyExact } = await import('../exact-json.ts');
    process.stdout.write(`${stringifyExact(value, 2)}\n`);
  }
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export const REPO_HELP = 'policy repository: a Git URL (https://, ssh://, file://) or path (bare repository or work tree); env CAIRN_REPO';

/** `--repo`, with one meaning on every command that reads the policy repository. */
export function repoOption(cmd: Command, fallback?: string): Command {
  const def = process.env.CAIRN_REPO || fallback;
  return cmd.addOption(new Option('--repo <url|path>', REPO_HELP).default(def));
}

/**
 * The default data directory: $CAIRN_DATA_DIR, else $XDG_STATE_HOME/cairn, else
 * ~/.local/state/cairn. Never the current directory: a backup archive (which may hold Secrets
 * in plain text) must not land in a policy repository's work tree.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAIRN_DATA_DIR) return env.CAIRN_DATA_DIR;
  const state = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(state, 'cairn');
}

export function dataDirOption(cmd: Command, what = 'local data: the clone, relative filesystem locations, key files'): Command {
  return cmd.option('--data-dir <dir>', `${what}; env CAIRN_DATA_DIR, else $XDG_STATE_HOME/cairn or ~/.local/state/cairn`, defaultDataDir());
}

/**
 * Refuses a data directory that lies inside a Git work tree and is not ignored there: one
 * `git add -A` would commit backup archives (Secrets included) to that repository.
 */
export function assertDataDirOutsideWorkTree(dataDir: string, flag = '--data-dir'): void {
  const abs = resolve(dataDir);
  let probe = abs;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  let top: string;
  try {
    top = execFileSync('git', ['-C', probe, 'rev-parse', '--show-toplevel'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return; // not inside a work tree (or a bare repository / .git directory: git says so too)
  }
  if (!top) return;
  try {
    execFileSync('git', ['-C', top, 'check-ignore', '-q', '--no-index', abs], { stdio: 'ignore' });
    return; // ignored by that repository: git add -A leaves it alone
  } catch {
    // exit 1: not ignored
  }
  throw new CliError(
    `${flag} ${abs} is inside the Git work tree ${top} and not ignored there: backups (which may hold Secrets) would be one \`git add -A\` away from that repository. ` +
      `Use a directory outside it (the default is $XDG_STATE_HOME/cairn or ~/.local/state/cairn; or set CAIRN_DATA_DIR), or add it to ${top}/.gitignore`,
  );
}

/** A comma-separated flag value (`--include-namespaces a,b`) as its non-empty items. */
export function splitList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

export function positiveInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a positive integer, got "${text}"`);
  return n;
}

/** Prints a deprecation line for an old spelling kept as an alias for one release. */
export function deprecated(old: string, now: string): void {
  process.stderr.write(`cairn: "${old}" is deprecated and will be removed in the next release; use "${now}"\n`);
}
