// `cairn restore --backup <name> [filters…]`: a manual restore (RestoreRequests in Git run
// through the reconciler). Prints a summary table (text) or the whole result with per-item
// outcomes (--output json). Exit 0 when the restore Completed, 1 otherwise (2: bad usage).
import { slotStamp } from '../schedule/naming.ts';
import { chooseRepoLocation } from '../api/location-choice.ts';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { loadRepository } from '../api/loader.ts';
import { loadModifiersFile } from '../api/modifiers-file.ts';
import { formatErrors } from '../api/format.ts';
import type { BackupLocation, Cluster, PolicyRepository, ResourceModifiersSpec, RestoreRequestSpec } from '../api/types.ts';
import { embeddedLocation } from '../backup/resolve.ts';
import { clusterConnectOptions, connectCluster, type ClusterClient } from '../cluster/connect.ts';
import { createLogger } from '../log.ts';
import { openLocation } from '../storage/index.ts';
import { renderRestoreText } from '../restore/report.ts';
import { runRestore, type RestoreProgress } from '../restore/run.ts';

interface RestoreCliOptions {
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
  output: 'text' | 'json';
}

/** A usage problem: the command line names something that does not exist or does not parse. */
class UsageError extends Error {}

export function registerRestore(program: Command): void {
  program
    .command('restore')
    .description('Restore a backup into the cluster now (manual restore; --dry-run shows the diff and changes nothing)')
    .requiredOption('--backup <name>', 'backup to restore')
    .option('--name <name>', 'name of this restore (default restore-<backup>-<YYYYMMDDhhmmss>, UTC)')
    .option('--location <name>', 'BackupLocation holding the backup (default: the default location)')
    .option('--cluster <name>', 'Cluster of the policy repository to restore into (default: KUBECONFIG / ~/.kube/config)')
    .option('--repo <dir>', 'policy repository', '.')
    .option('--data-dir <dir>', 'data directory: relative filesystem locations resolve here (as in cairn run)', process.env.CAIRN_DATA_DIR ?? '.cairn/data')
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
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts: RestoreCliOptions) => {
      process.exitCode = await restoreCommand(opts);
    });
}

function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

function pairs(value: string | undefined, flag: string, example: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const part of list(value) ?? []) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new UsageError(`${flag} "${part}": expected ${example}`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

export function restoreSpecFromOptions(opts: RestoreCliOptions): RestoreRequestSpec {
  const matchLabels = pairs(opts.selector, '--selector', 'key=value, e.g. app=web');
  const spec: RestoreRequestSpec = {
    backupName: opts.backup,
    location: opts.location,
    cluster: opts.cluster,
    includedNamespaces: list(opts.includeNamespaces),
    excludedNamespaces: list(opts.excludeNamespaces),
    includedResources: list(opts.includeResources),
    excludedResources: list(opts.excludeResources),
    labelSelector: matchLabels ? { matchLabels } : undefined,
    namespaceMapping: pairs(opts.namespaceMapping, '--namespace-mapping', 'old=new, e.g. team-a=team-a-restored'),
    existingResourcePolicy: opts.existingResourcePolicy,
    dryRun: opts.dryRun === true,
    preRestoreBackup: opts.preRestoreBackup,
  };
  return JSON.parse(JSON.stringify(spec)) as RestoreRequestSpec; // drops the undefined members
}

function pickLocation(repo: PolicyRepository, name: string | undefined, dataDir: string): BackupLocation {
  if (repo.locations.length === 0 && (name === undefined || name === 'default')) return embeddedLocation(dataDir);
  const choice = chooseRepoLocation(repo, name);
  if (choice.ok) return choice.location;
  throw new UsageError(name ? `--location ${name}: ${choice.message} in locations/` : `${choice.message}: choose one with --location, or mark one BackupLocation with spec.default: true`);
}

function pickCluster(repo: PolicyRepository, name: string | undefined): Cluster | undefined {
  if (!name) return undefined;
  const found = repo.clusters.find((c) => c.metadata.name === name);
  if (!found) throw new UsageError(`--cluster ${name}: no Cluster of that name in clusters/`);
  return found;
}

async function pickModifiers(repo: PolicyRepository, value: string | undefined, repoDir: string): Promise<{ name?: string; spec?: ResourceModifiersSpec }> {
  if (!value) return {};
  const byName = repo.modifiers.find((m) => m.metadata.name === value);
  if (byName) return { name: value, spec: byName.spec };
  if (existsSync(resolve(value))) {
    const loaded = await loadModifiersFile(resolve(value));
    if (!loaded.spec) throw new UsageError(`--modifiers ${value} cannot be used:\n${formatErrors(loaded.errors, 'text')}`);
    return { name: value, spec: loaded.spec };
  }
  throw new UsageError(`--modifiers ${value}: neither a ResourceModifiers in ${repoDir}/modifiers/ nor a file`);
}

function defaultName(backup: string, at: Date): string {
  return `restore-${backup}-${slotStamp(at)}`;
}

async function restoreCommand(opts: RestoreCliOptions): Promise<number> {
  const tty = process.stderr.isTTY === true;
  const logger = createLogger({ level: tty ? 'warn' : undefined });
  let client: ClusterClient | undefined;
  try {
    const spec = restoreSpecFromOptions(opts);
    const repoDir = resolve(opts.repo);
    const repo = existsSync(repoDir) ? await loadRepository(repoDir) : emptyRepository();
    const loc = pickLocation(repo, opts.location, resolve(opts.dataDir));
    const cluster = pickCluster(repo, opts.cluster);
    const modifiers = await pickModifiers(repo, opts.modifiers, opts.repo);
    if (modifiers.name) spec.resourceModifier = modifiers.name;
    const store = await openLocation(loc, { logger, baseDir: resolve(opts.dataDir) });
    client = await connectCluster(clusterConnectOptions(cluster, process.env, process.cwd()));
    const name = opts.name ?? defaultName(opts.backup, new Date());
    const progress = tty ? (p: RestoreProgress) => process.stderr.write(`\r${name}: ${p.phase} ${p.itemsDone}/${p.itemsTotal} items\x1b[K`) : undefined;
    const result = await runRestore({
      request: { metadata: { name }, spec },
      store,
      client,
      modifiers: modifiers.spec,
      clusterName: cluster?.metadata.name ?? client.name,
      logger,
      onProgress: progress,
    });
    if (tty) process.stderr.write('\r\x1b[K');
    process.stdout.write(opts.output === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderRestoreText(result));
    return result.phase === 'Completed' ? 0 : 1;
  } catch (err) {
    process.stderr.write(`cairn: ${(err as Error).message}\n`);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    client?.close();
  }
}

function emptyRepository(): PolicyRepository {
  return { locations: [], clusters: [], policies: [], restores: [], modifiers: [], errors: [], frozen: [] };
}
