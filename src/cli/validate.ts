// `cairn validate [dir]`: validates a whole policy repository, reports every error of every file
// (sorted, stable) and exits 0 valid, 1 invalid (or nothing to validate), 2 usage or tool error (DESIGN §8).
import { Option, type Command } from 'commander';
import { CliError, EXIT, outputOption, printData, type Output } from './common.ts';
import { posix } from 'node:path';
import { loadRepository } from '../api/loader.ts';
import { RepositoryError } from '../api/errors.ts';
import { ERROR_FORMATS, formatErrors, type ErrorFormat } from '../api/format.ts';
import type { PolicyRepository, ValidationError } from '../api/types.ts';

/** Error files are repository-relative; shown relative to where the command was run. */
function displayFile(dir: string, file: string): string {
  const d = dir.split('\\').join('/');
  return d === '.' || d === './' ? file : posix.join(d, file);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function summary(dir: string, repo: PolicyRepository): string {
  const files = repo.files?.length ?? 0;
  const objects = repo.objectCount ?? 0;
  const counts = `${plural(objects, 'object')} in ${plural(files, 'file')}`;
  if (repo.errors.length === 0) return `${dir}: ${counts}, valid`;
  const bad = new Set(repo.errors.map((e) => e.file)).size;
  return `${dir}: ${plural(repo.errors.length, 'error')} in ${plural(bad, 'file')} (${counts})`;
}

export async function runValidate(dir: string, format: ErrorFormat | 'yaml'): Promise<number> {
  let repo: PolicyRepository;
  try {
    repo = await loadRepository(dir);
  } catch (e) {
    if (e instanceof RepositoryError) throw new CliError(e.message, EXIT.USAGE);
    throw e;
  }
  const errors: ValidationError[] = repo.errors.map((e) => ({ ...e, file: displayFile(dir, e.file) }));
  // A directory with nothing to validate is not "valid": it is the wrong directory (issue 21).
  if ((repo.files?.length ?? 0) === 0 && errors.length === 0) {
    throw new CliError(`${dir}: no cairn objects found (looked for YAML files under locations/, clusters/, policies/, restores/, modifiers/); is this the policy repository?`, EXIT.FAILED);
  }
  if (format === 'json' || format === 'yaml') {
    const report = {
      valid: errors.length === 0,
      dir,
      files: repo.files?.length ?? 0,
      objects: repo.objectCount ?? 0,
      errors: JSON.parse(formatErrors(errors, 'json')) as unknown[],
    };
    await printData(report, format);
  } else {
    if (errors.length > 0) process.stdout.write(`${formatErrors(errors, format)}\n`);
    process.stdout.write(`${summary(dir, repo)}\n`);
  }
  return errors.length === 0 ? 0 : 1;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('validate a policy repository: every error of every file, as file:line:col (exit 0 valid, 1 invalid, 2 usage error)')
    .argument('[dir]', 'the policy repository (holding locations/, clusters/, policies/, restores/, modifiers/)', '.')
    .addOption(outputOption(['text', 'json', 'yaml', 'github']))
    .addOption(new Option('--format <format>', 'deprecated: use -o/--output').choices([...ERROR_FORMATS]).hideHelp())
    .action(async (dir: string, opts: { output: Output; format?: ErrorFormat }) => {
      process.exitCode = await runValidate(dir, (opts.format ?? opts.output) as ErrorFormat | 'yaml');
    });
}
