// `cairn restore create|get|describe`: Velero's verbs for restores. `cairn restore --backup …`
// (the old spelling) stays one release as a deprecated alias of `restore create`. Registration
// only: each verb loads its implementation (restore-create.ts, restore-inspect.ts) when it runs.
// RestoreRequests in Git run through the reconciler; these are manual restores.
import { Option, type Command } from 'commander';
import type { RestoreRequestSpec } from '../api/types.ts';
import { dataDirOption, deprecated, outputOption, repoOption, type Output } from './common.ts';

/**
 * The flag of every RestoreRequest spec field: a manual restore can ask for anything a
 * RestoreRequest can (a Record over the spec's keys, so a new field does not compile without
 * one; test/restore/cli-flags.test.ts checks the schema and the registered flags against it).
 * @internal
 */
export const RESTORE_SPEC_FLAGS: Record<keyof RestoreRequestSpec, string> = {
  backupName: '--backup',
  policy: '--policy',
  at: '--at',
  cluster: '--cluster',
  location: '--location',
  includedNamespaces: '--include-namespaces',
  excludedNamespaces: '--exclude-namespaces',
  includedResources: '--include-resources',
  excludedResources: '--exclude-resources',
  includeClusterResources: '--include-cluster-resources',
  labelSelector: '--selector',
  orLabelSelectors: '--or-selector',
  namespaceMapping: '--namespace-mapping',
  existingResourcePolicy: '--existing-resource-policy',
  resourceModifier: '--modifiers',
  dryRun: '--dry-run',
  preRestoreBackup: '--no-pre-restore-backup',
  restoreStatus: '--restore-status',
  preserveNodePorts: '--preserve-node-ports',
  namespaceTerminationTimeout: '--namespace-termination-timeout',
};

export interface RestoreCliOptions {
  backup?: string;
  policy?: string;
  at?: string;
  includeClusterResources?: 'true' | 'false';
  orSelector?: string[];
  restoreStatus?: boolean;
  preserveNodePorts?: boolean;
  namespaceTerminationTimeout?: string;
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
    .option('--location <name>', 'BackupLocation holding the backup (default: the location marked default: true, else the only one)')
    .option('--cluster <name>', 'Cluster of the policy repository to restore into (default: KUBECONFIG / ~/.kube/config)')
    .option('--dry-run', 'compute what would change, against the live cluster; write nothing')
    .option('--namespace-mapping <a=b,...>', 'restore namespace a into b')
    .option('--include-namespaces <globs>', 'comma-separated namespace globs to restore')
    .option('--exclude-namespaces <globs>', 'comma-separated namespace globs to leave out')
    .option('--include-resources <globs>', 'comma-separated group-resources, e.g. deployments.apps,configmaps')
    .option('--exclude-resources <globs>', 'comma-separated group-resources to leave out')
    .option('--selector <k=v,...>', 'restore only objects with these labels')
    .option('--or-selector <k=v,...>', 'restore objects matching any of these selectors (repeat the flag); not with --selector', (v: string, prev: string[] = []) => [...prev, v])
    .addOption(new Option('--include-cluster-resources <bool>', 'cluster-scoped objects: true all, false none (default: those the namespaced items need)').choices(['true', 'false']))
    .option('--restore-status', 'restore the status of objects too')
    .option('--preserve-node-ports', 'keep the nodePorts of Services')
    .option('--namespace-termination-timeout <duration>', 'how long to wait for a target namespace being deleted to go (default 3m)')
    .option('--policy <name>', "restore the policy's latest Completed backup (or the latest at or before --at); instead of --backup")
    .option('--at <time>', 'with --policy: the latest Completed backup at or before this RFC 3339 time')
    .addOption(new Option('--existing-resource-policy <policy>', 'what to do with objects that already exist').choices(['none', 'update']).default('none'))
    .option('--modifiers <name-or-file>', 'resource modifiers: a ResourceModifiers name in modifiers/, or a file (ResourceModifiers, Velero ConfigMap or "version: v1")')
    .option('--no-pre-restore-backup', 'skip the safety backup of the affected scope taken before applying')
    .option('--kubeconfig <file>', 'kubeconfig when no --cluster is named (default KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'context of that kubeconfig (default: its current-context)')
    .addOption(outputOption(['table', 'json', 'yaml']))
;
  // Exactly one of --backup and --policy: checked with the other flags (restoreSpecFromOptions).
  c.option('--backup <name>', required ? 'backup to restore (or --policy)' : 'backup to restore (deprecated spelling: use `cairn restore create`)');
  repoOption(c, '.');
  dataDirOption(c, 'data directory: relative filesystem locations resolve here (as in cairn run)');
  return c;
}

function inspectOptions(cmd: Command): Command {
  repoOption(cmd, '.');
  dataDirOption(cmd, 'base directory of relative filesystem locations and key files');
  return cmd
    .option('--location <name>', 'BackupLocation holding the restore results (default: the location marked default: true, else the only one)')
    .option('--branch <name>', 'branch of --repo to read (a URL or bare repository)')
    .addOption(outputOption(['table', 'json', 'yaml']));
}

export function registerRestore(program: Command): void {
  const restore = createOptions(
    program.command('restore').enablePositionalOptions().description('restore a backup into the cluster now, and read restore results (Velero verbs: create, get, describe)'),
    false,
  ).action(async (opts: RestoreCliOptions, cmd: Command) => {
    if (!opts.backup && !opts.policy) {
      cmd.help({ error: true });
      return;
    }
    const flag = opts.backup ? '--backup' : '--policy';
    deprecated(`cairn restore ${flag} …`, `cairn restore create ${flag} …`);
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
