// Runs a plan's actions: creates first, then the protective and destructive ones (ACTION_ORDER),
// with a global concurrency limit. One action's failure never stops the others: each becomes an
// ActionResult, which carries what the action wrote (a manifest, an expiry mark, a safety
// backup): the tick applies those writes to the inventory cache afterwards (engine.ts), so
// executing returns its effects instead of reaching into the engine's memory.
import { conditionReason, errorCode } from '../errors.ts';
import { rfc3339Seconds } from '../schedule/naming.ts';
import pLimit from 'p-limit';
import type { BackupPolicy, PolicyRepository } from '../api/types.ts';
import { ACTION_ORDER, type Plan, type PlanAction } from '../plan/types.ts';
import { runBackup } from '../backup/run.ts';
import { BackupError } from '../backup/types.ts';
import { StorageError } from '../storage/errors.ts';
import { runRestore } from '../restore/run.ts';
import { runEtcdBackupOf } from '../backup/etcd.ts';
import { planEtcdRestore } from '../restore/etcd.ts';
import { isEtcdBackup } from '../storage/manifest.ts';
import type { BackupStore } from '../storage/index.ts';
import type { EngineConfig } from './config.ts';
import { Connections } from './connections.ts';
import type { ActionResult } from './results.ts';
import { actionObject } from './results.ts';

export interface ExecuteContext {
  config: EngineConfig;
  repo: PolicyRepository;
  revision: string;
  connections: Connections;
  signal?: AbortSignal;
  onResult?: (r: ActionResult) => void;
}

export async function executePlan(plan: Plan, ctx: ExecuteContext): Promise<ActionResult[]> {
  const limit = pLimit(Math.max(1, ctx.config.concurrency));
  const results: ActionResult[] = [];
  // Creates (backups, restores) run together; then unexpire, expire, delete, clean-up in turn, so a
  // deletion never races the backup that makes it safe.
  const phases: PlanAction['type'][][] = [['backup', 'restore'], ...ACTION_ORDER.filter((t) => t !== 'backup' && t !== 'restore').map((t) => [t])];
  for (const types of phases) {
    const batch = plan.actions.filter((a) => types.includes(a.type));
    const done = await Promise.all(
      batch.map((action) =>
        limit(async () => {
          if (ctx.signal?.aborted) return skipped(action, ctx, 'the engine is stopping; left for the next tick');
          const r = await runAction(action, ctx).catch((err: unknown) => failed(action, ctx, err));
          ctx.onResult?.(r);
          return r;
        }),
      ),
    );
    results.push(...done);
  }
  return results;
}

/**
 * Opening the location and connecting the cluster take time: a stop (or a lost Lease) that came
 * meanwhile means this backup is not started at all (it is reported Skipped, left for the next
 * holder), rather than started and abandoned.
 */
function notStopped(backup: string, ctx: ExecuteContext): void {
  if (ctx.signal?.aborted) throw new BackupError('backup.aborted', `backup ${backup} was not started: the engine is stopping`, backup);
}

/** RFC3339 in UTC at second precision, the form the plan and status use. */
function at(ctx: ExecuteContext): string {
  return rfc3339Seconds(ctx.config.now());
}

function failed(action: PlanAction, ctx: ExecuteContext, err: unknown): ActionResult {
  // Abandoned because the engine is stopping (or lost its Lease): nothing was kept, nothing failed;
  // the slot stays due for the next tick or the next holder.
  if (err instanceof BackupError && err.code === 'backup.aborted') {
    ctx.config.logger.warn({ action: actionObject(action), err: err.message }, 'action abandoned');
    return skipped(action, ctx, `${err.message}; left for the next tick`);
  }
  // Another engine (a previous Lease holder finishing up, a manual `cairn backup`) runs this
  // policy's backup right now: that is not a failure of this one, and the slot stays due.
  if (err instanceof StorageError && err.code === 'storage.lock-held') return skipped(action, ctx, `${err.message}; left for the next tick`);
  const message = err instanceof Error ? err.message : String(err);
  const code = errorCode(err);
  ctx.config.logger.error({ action: actionObject(action), code, err: message }, 'action failed');
  return { action, outcome: 'Failed', at: at(ctx), message, code, reason: conditionReason(code) };
}

function skipped(action: PlanAction, ctx: ExecuteContext, message: string): ActionResult {
  return { action, outcome: 'Skipped', at: at(ctx), message };
}

async function store(ctx: ExecuteContext, location: string) {
  const loc = ctx.repo.locations.find((l) => l.metadata.name === location);
  if (!loc) throw new Error(`BackupLocation "${location}" is not defined in the policy repository`);
  return ctx.connections.location(loc);
}

async function runAction(action: PlanAction, ctx: ExecuteContext): Promise<ActionResult> {
  const { config } = ctx;
  const log = config.logger;
  switch (action.type) {
    case 'backup': {
      const policy = ctx.repo.policies.find((p) => p.metadata.name === action.policy);
      if (!policy) throw new Error(`policy ${action.policy} is no longer in the repository`);
      const target = await store(ctx, action.location);
      if (policy.spec.type === 'etcd') return await etcdBackup(action, policy, target, ctx);
      const cluster = await ctx.connections.cluster(ctx.repo, policy.spec.cluster);
      notStopped(action.backupName, ctx);
      log.info({ backup: action.backupName, policy: action.policy }, 'backup started');
      const manifest = await runBackup({ ...plannedRun(action, target, ctx), client: cluster.client, clusterName: cluster.name, selection: policy.spec });
      log.info({ backup: manifest.name, phase: manifest.phase, items: manifest.totalItems }, 'backup finished');
      const message = manifest.errors[0] ?? manifest.warnings[0];
      return { action, outcome: manifest.phase, at: at(ctx), manifest, ...(message ? { message } : {}) };
    }
    case 'restore': {
      const request = ctx.repo.restores.find((r) => r.metadata.name === action.restore);
      if (!request) throw new Error(`RestoreRequest ${action.restore} is no longer in the repository`);
      const target = await store(ctx, action.location);
      const manifest = await target.readManifest(action.backupName);
      if (isEtcdBackup(manifest)) {
        // An etcd restore runs on the members' machines: verify, and commit the commands.
        const result = await planEtcdRestore(request, target, manifest, config.now);
        log.info({ restore: action.restore, backup: action.backupName, phase: result.phase }, 'etcd restore verified; commands in its status');
        return { action, outcome: result.phase === 'Completed' ? 'Completed' : 'Failed', at: at(ctx), restore: result, ...(result.errors[0] ? { message: result.errors[0] } : {}) };
      }
      const cluster = await ctx.connections.cluster(ctx.repo, request.spec.cluster);
      const modifiers = request.spec.resourceModifier
        ? ctx.repo.modifiers.find((m) => m.metadata.name === request.spec.resourceModifier)?.spec
        : undefined;
      log.info({ restore: action.restore, backup: action.backupName }, 'restore started');
      const result = await runRestore({
        request,
        store: target,
        client: cluster.client,
        clusterName: cluster.name,
        ...(modifiers ? { modifiers } : {}),
        now: config.now,
        logger: log,
      });
      // The safety backup is listed by the next full listing anyway; reading it now only saves that.
      const safety = result.preRestoreBackup ? await target.readManifest(result.preRestoreBackup).catch(() => undefined) : undefined;
      log.info({ restore: action.restore, phase: result.phase }, 'restore finished');
      return {
        action,
        outcome: result.phase === 'New' || result.phase === 'InProgress' ? 'Failed' : result.phase,
        at: at(ctx),
        restore: result,
        ...(safety ? { safety } : {}),
        ...(result.errors[0] ? { message: result.errors[0] } : {}),
      };
    }
    case 'expire': {
      const mark = { deleteAfter: action.deleteAfter, reason: action.reason, revision: ctx.revision, markedAt: at(ctx) };
      await (await store(ctx, action.location)).markExpiry(action.backup, mark);
      return { action, outcome: 'Expiring', at: at(ctx), expiry: mark };
    }
    case 'unexpire': {
      await (await store(ctx, action.location)).clearExpiry(action.backup);
      return { action, outcome: 'Unexpired', at: at(ctx) };
    }
    case 'delete': {
      await (await store(ctx, action.location)).deleteBackup(action.backup);
      log.info({ backup: action.backup }, 'backup deleted');
      return { action, outcome: 'Deleted', at: at(ctx) };
    }
    case 'cleanupIncomplete': {
      await (await store(ctx, action.location)).deleteIncomplete(action.backup);
      return { action, outcome: 'Cleaned', at: at(ctx) };
    }
  }
}

/** What a planned backup hands its run, whatever it holds (resources or etcd): name, origin, lock holder, logger, stop signal. */
function plannedRun(action: Extract<PlanAction, { type: 'backup' }>, target: BackupStore, ctx: ExecuteContext) {
  return {
    store: target,
    name: action.backupName,
    policy: action.policy,
    location: action.location,
    gitRevision: ctx.revision,
    ...(action.scheduledTime ? { scheduledTime: action.scheduledTime } : {}),
    ...(action.trigger ? { trigger: action.trigger } : {}),
    lockHolder: ctx.config.holder,
    logger: ctx.config.logger,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
}

/** A backup of a policy of type etcd: a snapshot of the Cluster's etcd (backup/etcd.ts). */
async function etcdBackup(action: Extract<PlanAction, { type: 'backup' }>, policy: BackupPolicy, target: BackupStore, ctx: ExecuteContext): Promise<ActionResult> {
  const { config } = ctx;
  const cluster = ctx.repo.clusters.find((c) => c.metadata.name === policy.spec.cluster);
  if (!cluster) throw new Error(`Cluster "${policy.spec.cluster}" is not defined in the policy repository`);
  notStopped(action.backupName, ctx);
  config.logger.info({ backup: action.backupName, policy: action.policy }, 'etcd backup started');
  const manifest = await runEtcdBackupOf(cluster, plannedRun(action, target, ctx), config.env);
  const message = manifest.errors[0] ?? manifest.warnings[0];
  return { action, outcome: manifest.phase, at: at(ctx), manifest, ...(message ? { message } : {}) };
}
