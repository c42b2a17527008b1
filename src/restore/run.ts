// One restore, top to bottom (DESIGN §5 restore/): resolve → fetch + verify + decrypt → filter
// → prepare + modify + map → order → safety backup → apply; the result is written to the
// location as restores/<name>/result.json.gz.
//
// Phases: New → InProgress → Completed | PartiallyFailed (some items failed, modifier errors
// included) | Failed (the cluster or storage failed, or the safety backup could not be taken)
// | FailedValidation (the request cannot run as written: no such backup, integrity refused,
// bad modifiers). Nothing is written to the cluster before the archive is fully verified and
// the safety backup is stored.
import type { Logger } from '../log.ts';
import type { ResourceModifiersSpec } from '../api/types.ts';
import type { ClusterClient } from '../cluster/client.ts';
import { NAMESPACES } from '../cluster/selection.ts';
import type { BackupTarget } from '../backup/types.ts';
import type { FetchedResources } from '../storage/fetch.ts';
import type { IndexEntry } from '../storage/types.ts';
import type { Item } from '../cluster/types.ts';
import { silentLogger } from '../log.ts';
import { applySteps } from './apply.ts';
import { RestoreError } from './errors.ts';
import { mayRestore, selectItems } from './filter.ts';
import { resolveSelection } from '../cluster/resource-names.ts';
import { prepareItems, type ItemModifier } from './items.ts';
import { planSteps } from './order.ts';
import { readVerifiedItems } from './read.ts';
import { resolveBackup, type ResolveStore } from './resolve.ts';
import { ResourceResolver } from './resources.ts';
import { takeSafetyBackup } from './safety.ts';
import { managedBy, managedIndex } from './managed.ts';
import { DEFAULT_NAMESPACE_WAIT_MS, NAMESPACE_REF, isTerminating, targetNamespaces, waitForTerminatingNamespaces } from './namespaces.ts';
import { parseDuration } from '../schedule/duration.ts';
import { restoreSpecHash } from './spec-hash.ts';
import { compileRestoreModifiers } from './modifiers.ts';
import type { RestoreCounts, RestoreInput, RestoreItemResult, RestorePhase, RestoreResult } from './types.ts';

/** What a restore needs from a BackupLocation; storage's BackupStore satisfies it. */
export interface RestoreStore extends ResolveStore, BackupTarget {
  readonly name: string;
  readIndex(name: string): Promise<IndexEntry[]>;
  fetchResources(name: string): Promise<FetchedResources>;
  writeRestoreResult(name: string, result: unknown): Promise<void>;
}

export interface RestoreProgress {
  phase: RestorePhase;
  itemsDone: number;
  itemsTotal: number;
}

export interface RunRestoreOptions {
  request: RestoreInput;
  store: RestoreStore;
  client: ClusterClient;
  /** The ResourceModifiers named by spec.resourceModifier, already loaded. */
  modifiers?: ResourceModifiersSpec;
  clusterName: string;
  now?: () => Date;
  logger?: Logger;
  onProgress?: (p: RestoreProgress) => void;
  /** Writes in flight within a priority step; default DEFAULT_APPLY_CONCURRENCY (32, apply.ts). */
  concurrency?: number;
  /** How long to wait for a restored CRD to be Established; default 60 s. */
  crdTimeoutMs?: number;
  /** Bound on waiting for a Terminating target namespace when the spec sets none; default 3 min. */
  namespaceWaitMs?: number;
}

export { restoreSpecHash } from './spec-hash.ts';

export function countResults(items: RestoreItemResult[]): RestoreCounts {
  const c: RestoreCounts = { total: items.length, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 };
  for (const i of items) {
    if (i.action === 'created' || i.action === 'create') c.created++;
    else if (i.action === 'updated' || i.action === 'update') c.updated++;
    else if (i.action === 'unchanged') c.unchanged++;
    else if (i.action === 'skipped' || i.action === 'skip') c.skipped++;
    else c.failed++;
  }
  return c;
}

export async function runRestore(opts: RunRestoreOptions): Promise<RestoreResult> {
  const now = opts.now ?? (() => new Date());
  const logger = (opts.logger ?? silentLogger).child({ restore: opts.request.metadata.name });
  const { spec } = opts.request;
  const name = opts.request.metadata.name;
  const result: RestoreResult = {
    formatVersion: 1,
    name,
    phase: 'New',
    dryRun: spec.dryRun === true,
    location: opts.store.name,
    cluster: opts.clusterName,
    specHash: restoreSpecHash(spec),
    startTimestamp: now().toISOString(),
    completionTimestamp: '',
    counts: countResults([]),
    items: [],
    warnings: [],
    errors: [],
  };
  let done = 0;
  let total = 0;
  const progress = () => opts.onProgress?.({ phase: result.phase, itemsDone: done, itemsTotal: total });
  progress();
  result.phase = 'InProgress';
  progress();
  logger.info({ dryRun: result.dryRun }, 'restore started');

  try {
    const outcome = await restore(opts, result, logger, now, (n) => {
      total = n;
      progress();
    }, () => {
      done++;
      if (done % 100 === 0 || done === total) progress();
    });
    result.items = outcome;
    result.counts = countResults(outcome);
    result.phase = result.counts.failed > 0 ? 'PartiallyFailed' : 'Completed';
  } catch (err) {
    const validation = err instanceof RestoreError ? err.validation : false;
    result.phase = validation ? 'FailedValidation' : 'Failed';
    result.errors.push((err as Error).message);
    result.counts = countResults(result.items);
    logger.error({ err: (err as Error).message }, 'restore failed');
  }
  result.completionTimestamp = now().toISOString();
  try {
    await opts.store.writeRestoreResult(name, result);
  } catch (err) {
    result.errors.push(`could not write result.json.gz to location ${opts.store.name}: ${(err as Error).message}`);
    if (result.phase === 'Completed') result.phase = 'PartiallyFailed';
  }
  logger.info({ phase: result.phase, ...result.counts }, 'restore finished');
  progress();
  return result;
}

async function restore(
  opts: RunRestoreOptions,
  result: RestoreResult,
  logger: Logger,
  now: () => Date,
  planned: (total: number) => void,
  itemDone: () => void,
): Promise<RestoreItemResult[]> {
  const { spec } = opts.request;
  const modifier: ItemModifier | undefined = spec.resourceModifier || opts.modifiers ? compileRestoreModifiers(spec.resourceModifier, opts.modifiers) : undefined;

  const resolved = await resolveBackup(spec, opts.store, opts.store.name);
  result.backup = resolved.manifest.name;
  result.warnings.push(...resolved.warnings);

  // Verify every byte before anything touches the cluster.
  const index = await opts.store.readIndex(resolved.manifest.name).catch((err: unknown) => {
    throw asIntegrity(err, resolved.manifest.name);
  });
  const fetched = await opts.store.fetchResources(resolved.manifest.name).catch((err: unknown) => {
    throw asIntegrity(err, resolved.manifest.name);
  });
  // Resource names resolve through the target cluster's discovery, as Velero's restore resolves
  // them (deploy, Deployment → deployments.apps); globs and names the cluster does not serve yet
  // (a CRD the restore creates) are kept as written. An unreadable cluster leaves them as
  // written too: the restore fails on it below.
  const selection = await opts.client.discover().then(
    (served) => {
      const r = resolveSelection(spec, served);
      result.warnings.push(...r.warnings);
      return r.selection;
    },
    () => spec,
  );
  let selected: Item[];
  try {
    const read = await readVerifiedItems(resolved.manifest.name, fetched.path, index, (e) => mayRestore(e, selection));
    selected = selectItems(read.items, selection);
    logger.info({ backup: resolved.manifest.name, items: read.total, selected: selected.length }, 'backup verified');
  } finally {
    await fetched.cleanup();
  }

  // Objects a controller of the target cluster maintains are reported, never restored (managed.ts).
  const owners = managedIndex(selected);
  const managed: RestoreItemResult[] = [];
  selected = selected.filter((i) => {
    const controller = managedBy(i, owners);
    if (!controller) return true;
    const mapped = i.namespace ? (spec.namespaceMapping?.[i.namespace] ?? i.namespace) : undefined;
    managed.push({
      groupResource: i.groupResource,
      ...(mapped ? { namespace: mapped } : {}),
      ...(mapped && mapped !== i.namespace ? { backupNamespace: i.namespace } : {}),
      name: i.name,
      action: result.dryRun ? 'skip' : 'skipped',
      reason: `managed by ${controller}`,
    });
    return false;
  });
  const { items, failed } = prepareItems(selected, spec, modifier);
  const steps = planSteps(items);
  planned(items.length + failed.length + managed.length);
  for (let i = 0; i < failed.length + managed.length; i++) itemDone();

  // The cluster must answer before anything else happens: an unreachable cluster fails the
  // restore as a whole rather than every item.
  const resolver = new ResourceResolver(opts.client);
  let serverVersion: string;
  try {
    [, serverVersion] = await Promise.all([resolver.find(NAMESPACES), opts.client.serverVersion()]);
  } catch (err) {
    throw new RestoreError('restore.cluster', `cannot reach cluster ${opts.clusterName}: ${(err as Error).message}`, { cause: err });
  }
  const across = versionChange(resolved.manifest.cluster.serverVersion, serverVersion);
  if (across) {
    result.warnings.push(across);
    logger.warn({ backupServerVersion: resolved.manifest.cluster.serverVersion, serverVersion }, across);
  }

  // A target namespace being deleted refuses every create: wait for it to go, or fail before
  // anything is written (restore/namespaces.ts). A dry run only says so.
  const namespaces = targetNamespaces(items);
  if (result.dryRun) {
    for (const n of namespaces) {
      if (isTerminating(await opts.client.get(NAMESPACE_REF, undefined, n))) result.warnings.push(`namespace ${n} is terminating: a restore waits for it to go (namespaceTerminationTimeout), then creates it`);
    }
  } else if (namespaces.length > 0) {
    const timeoutMs = spec.namespaceTerminationTimeout ? parseDuration(spec.namespaceTerminationTimeout) : (opts.namespaceWaitMs ?? DEFAULT_NAMESPACE_WAIT_MS);
    const waited = await waitForTerminatingNamespaces({ client: opts.client, namespaces, timeoutMs, logger });
    if (waited.length) result.warnings.push(`waited for namespace(s) ${waited.join(', ')} to finish terminating before restoring`);
  }

  if (!result.dryRun && spec.preRestoreBackup !== false && items.length > 0) {
    const safety = await takeSafetyBackup({
      client: opts.client,
      store: opts.store,
      restore: result.name,
      location: opts.store.name,
      clusterName: opts.clusterName,
      items,
      at: now(),
      logger,
    });
    result.preRestoreBackup = safety.manifest.name;
    result.warnings.push(...safety.warnings);
    logger.info({ backup: safety.manifest.name, items: safety.manifest.totalItems }, 'pre-restore backup written');
  }

  const applied = await applySteps(steps, {
    client: opts.client,
    existingResourcePolicy: spec.existingResourcePolicy ?? 'none',
    dryRun: result.dryRun,
    prepare: { restoreStatus: spec.restoreStatus, preserveNodePorts: spec.preserveNodePorts },
    concurrency: opts.concurrency,
    crdTimeoutMs: opts.crdTimeoutMs,
    onItem: itemDone,
    resolver,
  });
  return [...applied, ...failed, ...managed];
}

/**
 * A restore into a cluster of another Kubernetes version than the backup's: said in the result
 * and the log (resources may be served in other versions there; apply.ts names each one that
 * is not). Compared by major.minor; undefined when equal or unknown.
 */
export function versionChange(backup: string | undefined, target: string): string | undefined {
  const minor = (v: string | undefined) => /^v?(\d+)\.(\d+)/.exec(v ?? '')?.slice(1, 3).join('.');
  const a = minor(backup);
  const b = minor(target);
  if (!a || !b || a === b) return undefined;
  return `the backup was taken from Kubernetes ${backup} and is restored into ${target}: objects whose API version the target no longer serves fail one by one, naming the versions it serves`;
}

/** Storage integrity failures refuse the restore (FailedValidation); other storage errors fail it. */
function asIntegrity(err: unknown, backup: string): unknown {
  const code = (err as { code?: unknown })?.code;
  if (code === 'storage.integrity') {
    return new RestoreError('restore.integrity', `backup ${backup} failed verification, the restore is refused and nothing was written: ${(err as Error).message}`, {
      subject: backup,
      cause: err,
    });
  }
  return err;
}
