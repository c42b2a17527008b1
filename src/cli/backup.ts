// `cairn backup create|get|describe|logs|delete|verify|diff`: Velero's verbs for backups.
// `cairn backups list|describe|verify|delete|logs|diff` (the old spelling) stays one release as
// a deprecated alias. Registration only: each verb loads its implementation when it runs.
import type { Command } from 'commander';
import { dataDirOption, deprecated, outputOption, repoOption } from './common.ts';
import type { InspectOptions } from './backup-inspect.ts';

function withLocation(cmd: Command): Command {
  repoOption(cmd, '.');
  dataDirOption(cmd, 'base directory of relative filesystem locations and key files');
  return cmd.option('--location <name>', 'BackupLocation to read (default: the location marked default: true, else the only one)').option('--branch <name>', 'branch of --repo to read (a URL or bare repository)');
}

type Verb = 'get' | 'describe' | 'logs' | 'delete' | 'verify' | 'diff';

/** Registers the read and delete verbs under `parent`; `old` prints a deprecation line first. */
function inspectVerbs(parent: Command, old?: string): void {
  const run = (verb: Verb, spelled: string) =>
    async (...args: unknown[]) => {
      if (old) deprecated(`cairn ${old} ${spelled}`, `cairn backup ${verb}`);
      const opts = args.find((a) => typeof a === 'object' && a !== null && !Array.isArray(a) && 'dataDir' in a) as InspectOptions;
      const names = args.filter((a): a is string => typeof a === 'string');
      const impl = await import('./backup-inspect.ts');
      await impl.inspect(verb, names, opts);
    };
  withLocation(parent.command(old ? 'list' : 'get').argument('[name]', 'one backup (default: all)').description('list backups, incomplete uploads, expiry marks and locks'))
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action(run('get', 'list'));
  withLocation(parent.command('describe').argument('<name>').description("show a backup's manifest and expiry mark")).addOption(outputOption(['table', 'json', 'yaml'])).action(run('describe', 'describe'));
  withLocation(parent.command('logs').argument('<name>').description("print a backup's log")).addOption(outputOption(['table', 'json', 'yaml'])).action(run('logs', 'logs'));
  withLocation(parent.command('verify').argument('<name>').description('re-hash every artifact and item; exit 1 on a mismatch')).addOption(outputOption(['table', 'json', 'yaml'])).action(run('verify', 'verify'));
  withLocation(parent.command('diff').argument('<a>').argument('<b>').description('items added, removed and changed from backup a to backup b')).addOption(outputOption(['table', 'json', 'yaml'])).action(run('diff', 'diff'));
  withLocation(parent.command('delete').argument('<name>').description('delete a backup (manifest first)').option('--yes', 'confirm the deletion')).action(run('delete', 'delete'));
}

export function registerBackup(program: Command): void {
  const backup = program.command('backup').description("take backups now and inspect a BackupLocation's backups (Velero's verbs)");
  const create = backup
    .command('create')
    .description("run one policy's backup now")
    .requiredOption('--policy <name>', 'BackupPolicy to run')
    .option('--name <name>', 'backup name (default <policy>-<YYYYMMDDhhmmss>, now, UTC)')
    .option('--kubeconfig <file>', 'kubeconfig when the policy names no Cluster (default KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'context of that kubeconfig (default: its current-context)')
    .addOption(outputOption(['table', 'json', 'yaml']));
  repoOption(create, '.');
  dataDirOption(create, 'data directory: relative filesystem locations resolve here (as in cairn run)');
  create.action(async (opts) => {
    const { createBackup } = await import('./backup-create.ts');
    process.exitCode = await createBackup(opts);
  });
  inspectVerbs(backup);

  const old = program.command('backups').description('deprecated: use `cairn backup get|describe|logs|delete|verify|diff`');
  inspectVerbs(old, 'backups');
}
