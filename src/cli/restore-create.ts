// The implementation of `cairn restore create --backup <name> [filters…]` (loaded when it runs).
// Prints a summary table or the whole result with per-item outcomes (-o json|yaml).
// Exit 0 when the restore Completed, 1 otherwise, 2 on a usage or environment error.
import { existsSync } from 'node:fs';
import { slotStamp } from '../schedule/naming.ts';
import { parseDuration } from '../schedule/duration.ts';
import { resolve } from 'node:path';
import { loadModifiersFile } from '../api/modifiers-file.ts';
import { formatErrors } from '../api/format.ts';
import type { Cluster, PolicyRepository, ResourceModifiersSpec, RestoreRequestSpec } from '../api/types.ts';
import { createLogger } from '../log.ts';
import { renderRestoreText } from '../restore/report.ts';
import type { RestoreProgress } from '../restore/run.ts';
import { runManualRestore } from '../restore/manual.ts';
import { CliError, assertDataDirOutsideWorkTree, printData, splitList } from './common.ts';
import { loadPolicyRepository, pickLocation } from './location.ts';
import { stringifyExact } from '../exact-json.ts';
import type { RestoreCliOptions } from './restore.ts';

/** A usage problem: the command line names something that does not exist or does not parse. */
class UsageError extends CliError {}

function pairs(value: string | undefined, flag: string, example: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const part of splitList(value) ?? []) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new UsageError(`${flag} "${part}": expected ${example}`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

export function restoreSpecFromOptions(opts: RestoreCliOptions): RestoreRequestSpec {
  const matchLabels = pairs(opts.selector, '--selector', 'key=value, e.g. app=web');
  if (!opts.backup === !opts.policy) throw new UsageError('give exactly one of --backup <name> or --policy <name>');
  if (opts.at && !opts.policy) throw new UsageError('--at needs --policy');
  if (opts.selector && opts.orSelector?.length) throw new UsageError('--selector and --or-selector cannot be used together (as in a RestoreRequest)');
  if (opts.namespaceTerminationTimeout !== undefined) {
    try {
      parseDuration(opts.namespaceTerminationTimeout);
    } catch (err) {
      throw new UsageError(`--namespace-termination-timeout: ${(err as Error).message}`);
    }
  }
  const orLabelSelectors = opts.orSelector?.map((s) => ({ matchLabels: pairs(s, '--or-selector', 'key=value, e.g. app=web')! }));
  const spec: RestoreRequestSpec = {
    backupName: opts.backup,
    policy: opts.policy,
    at: opts.at,
    includeClusterResources: opts.includeClusterResources === undefined ? undefined : opts.includeClusterResources === 'true',
    orLabelSelectors,
    restoreStatus: opts.restoreStatus,
    preserveNodePorts: opts.preserveNodePorts,
    namespaceTerminationTimeout: opts.namespaceTerminationTimeout,
    location: opts.location,
    cluster: opts.cluster,
    includedNamespaces: splitList(opts.includeNamespaces),
    excludedNamespaces: splitList(opts.excludeNamespaces),
    includedResources: splitList(opts.includeResources),
    excludedResources: splitList(opts.excludeResources),
    labelSelector: matchLabels ? { matchLabels } : undefined,
    namespaceMapping: pairs(opts.namespaceMapping, '--namespace-mapping', 'old=new, e.g. team-a=team-a-restored'),
    existingResourcePolicy: opts.existingResourcePolicy,
    dryRun: opts.dryRun === true,
    preRestoreBackup: opts.preRestoreBackup,
  };
  return JSON.parse(JSON.stringify(spec)) as RestoreRequestSpec; // drops the undefined members
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

export async function restoreCommand(opts: RestoreCliOptions): Promise<number> {
  const tty = process.stderr.isTTY === true;
  const logger = createLogger({ level: tty ? 'warn' : undefined });
  const spec = restoreSpecFromOptions(opts);
  // The pre-restore safety backup is written to the location: never into a Git work tree.
  if (opts.preRestoreBackup !== false) assertDataDirOutsideWorkTree(opts.dataDir);
  const repo = opts.repo === '.' && !existsSync(resolve('locations')) ? emptyRepository() : (await loadPolicyRepository(opts)).repo;
  const location = pickLocation(repo, opts.location, opts.repo, resolve(opts.dataDir));
  const cluster = pickCluster(repo, opts.cluster);
  const modifiers = await pickModifiers(repo, opts.modifiers, opts.repo);
  if (modifiers.name) spec.resourceModifier = modifiers.name;
  const name = opts.name ?? defaultName(opts.backup ?? opts.policy ?? 'backup', new Date());
  const result = await runManualRestore({
    name,
    spec,
    location,
    ...(cluster ? { cluster } : {}),
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    ...(opts.context ? { context: opts.context } : {}),
    ...(modifiers.spec ? { modifiers: modifiers.spec } : {}),
    dataDir: resolve(opts.dataDir),
    logger,
    ...(tty ? { onProgress: (p: RestoreProgress) => process.stderr.write(`\r${name}: ${p.phase} ${p.itemsDone}/${p.itemsTotal} items\x1b[K`) } : {}),
  });
  if (tty) process.stderr.write('\r\x1b[K');
  // JSON keeps int64 numbers exact (stringifyExact, issue 13); YAML through printData.
  if (opts.output === 'json') process.stdout.write(`${stringifyExact(result, 2)}\n`);
  else if (opts.output === 'yaml') await printData(result, opts.output);
  else process.stdout.write(renderRestoreText(result));
  return result.phase === 'Completed' ? 0 : 1;
}

function emptyRepository(): PolicyRepository {
  return { locations: [], clusters: [], policies: [], restores: [], modifiers: [], errors: [], frozen: [] };
}
