// `cairn validate [dir]`: validates a whole policy repository, reports every error of every file
// (sorted, stable) and exits 0 valid, 1 invalid, 2 usage or tool error (DESIGN §8).
import { Option, type Command } from 'commander';
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

export async function runValidate(dir: string, format: ErrorFormat): Promise<number> {
  let repo: PolicyRepository;
  try {
    repo = await loadRepository(dir);
  } catch (e) {
    if (e instanceof RepositoryError) {
      process.stderr.write(`cairn validate: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const errors: ValidationError[] = repo.errors.map((e) => ({ ...e, file: displayFile(dir, e.file) }));
  if (format === 'json') {
    const report = {
      valid: errors.length === 0,
      dir,
      files: repo.files?.length ?? 0,
      objects: repo.objectCount ?? 0,
      errors: JSON.parse(formatErrors(errors, 'json')) as unknown[],
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
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
    .addOption(new Option('--format <format>', 'output format').choices([...ERROR_FORMATS]).default('text'))
    .action(async (dir: string, opts: { format: ErrorFormat }) => {
      process.exitCode = await runValidate(dir, opts.format);
    });
}
