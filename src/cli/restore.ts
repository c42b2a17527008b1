// `cairn restore create|get|describe`: Velero's verbs for restores. `cairn restore --backup …`
// (the old spelling) stays one release as a deprecated alias of `restore create`. Registration
// only: each verb loads its implementation (restore-create.ts, restore-inspect.ts) when it runs.
// RestoreRequests in Git run through the reconciler; these are manual restores.
import { Option, type Command } from 'commander';
import { dataDirOption, deprecated, outputOption, repoOption, type Output } from './common.ts';

export interface RestoreCliOptions {
  backup: string;
  name?: string;
  location?: string;
  cluster?: string;
  repo: string;
  dataDir: string;
  dryRun?: boolean;
  namespaceMapping?: string;
  includeNamespaces?: string;
  excludeNamespaces?: string;
  includeResources?: string;
  excludeResources?: string;
  selector?: string;
  existingResourcePolicy: 'none' | 'update';
  modifiers?: string;
  preRestoreBackup: boolean;
  output: Output;
  kubeconfig?: string;
  context?: string;
}

/** The options of a manual restore, on `restore create` and on the deprecated `restore`. */
function createOptions(cmd: Command, required: boolean): Command {
  const c = cmd
    .option('--name <name>', 'name of this restore (default restore-<backup>-<YYYYMMDDhhmmss>, UTC)')
    .option('--location <name>', 'BackupLocation holding the backup (default: the default location)')
    .option('--cluster <name>', 'Cluster of the policy repository to restore into (default: KUBECONFIG / ~/.kube/config)')
    .option('--dry-run', 'compute what would change, against the live cluster; write nothing')
    .option('--namespace-mapping <a=b,...>', 'restore namespace a into b')
    .option('--include-namespaces <globs>', 'comma-separated namespace globs to restore')
    .option('--exclude-namespaces <globs>', 'comma-separated namespace globs to leave out')
    .option('--include-resources <globs>', 'comma-separated group-resources, e.g. deployments.apps,configmaps')
    .option('--exclude-resources <globs>', 'comma-separated group-resources to leave out')
    .option('--selector <k=v,...>', 'restore only objects with these labels')
    .addOption(new Option('--existing-resource-policy <policy>', 'what to do with objects that already exist').choices(['none', 'update']).default('none'))
    .option('--modifiers <name-or-file>', 'resource modifiers: a ResourceModifiers name in modifiers/, or a file (ResourceModifiers, Velero ConfigMap or "version: v1")')
    .option('--no-pre-restore-backup', 'skip the safety backup of the affected scope taken before applying')
    .option('--kubeconfig <file>', 'kubeconfig when no --cluster is named (default KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'context of that kubeconfig (default: its current-context)')
    .addOption(outputOption(['table', 'json', 'yaml']))
;
  if (required) c.requiredOption('--backup <name>', 'backup to restore');
  else c.option('--backup <name>', 'backup to restore (deprecated spelling: use `cairn restore create`)');
  repoOption(c, '.');
  dataDirOption(c, 'data directory: relative filesystem locations resolve here (as in cairn run)');
  return c;
}

function inspectOptions(cmd: Command): Command {
  repoOption(cmd, '.');
  dataDirOption(cmd, 'base directory of relative filesystem locations and key files');
  return cmd
    .option('--location <name>', 'BackupLocation holding the restore results (default: the default location)')
    .option('--branch <name>', 'branch of --repo to read (a URL or bare repository)')
    .addOption(outputOption(['table', 'json', 'yaml']));
}

export function registerRestore(program: Command): void {
  const restore = createOptions(
    program.command('restore').enablePositionalOptions().description('restore a backup into the cluster now, and read restore results (Velero verbs: create, get, describe)'),
    false,
  ).action(async (opts: RestoreCliOptions, cmd: Command) => {
    if (!opts.backup) {
      cmd.help({ error: true });
      return;
    }
    deprecated('cairn restore --backup …', 'cairn restore create --backup …');
    const { restoreCommand } = await import('./restore-create.ts');
    process.exitCode = await restoreCommand(opts);
  });
  createOptions(restore.command('create').description('restore a backup into the cluster now (--dry-run shows the diff and changes nothing)'), true).action(
    async (opts: RestoreCliOptions) => {
      const { restoreCommand } = await import('./restore-create.ts');
      process.exitCode = await restoreCommand(opts);
    },
  );
  inspectOptions(restore.command('get').argument('[name]', 'one restore (default: all)').description('list the restores whose results the location holds')).action(
    async (name: string | undefined, opts) => {
      const { getRestores } = await import('./restore-inspect.ts');
      await getRestores(name, opts);
    },
  );
  inspectOptions(restore.command('describe').argument('<name>').description("show a restore's result: counts, per-item outcomes, errors")).action(async (name: string, opts) => {
    const { describeRestore } = await import('./restore-inspect.ts');
    await describeRestore(name, opts);
  });
}
