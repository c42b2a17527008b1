// One reconcile tick (ARCHITECTURE.md), read top to bottom as its steps, each taking the value
// the step before returned and returning its own; no step reaches back:
//   pull → load → observe → plan → execute → record → commit
// pull, load, observe, execute and commit do I/O; plan and record are pure (computePlan,
// buildStatus, commitMessage). The engine's memory between ticks (the inventory cache, the
// status as last committed, restore results already read, the loaded repository) only saves
// I/O: each is what the next tick would read again.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse } from 'yaml';
import { loadRepository } from '../api/loader.ts';
import type { PolicyRepository } from '../api/types.ts';
import { openPolicyRepo, type PolicyRepo } from '../git/index.ts';
import { computePlan } from '../plan/plan.ts';
import type { Plan } from '../plan/types.ts';
import type { RestoreResult } from '../restore/types.ts';
import type { Inventory } from '../storage/types.ts';
import type { EngineConfig } from './config.ts';
import { Connections } from './connections.ts';
import { executePlan } from './execute.ts';
import { InventoryCache } from './inventory-cache.ts';
import { commitMessage } from './report.ts';
import type { ActionResult } from './results.ts';
import { buildStatus, removedPolicies, type StatusDoc } from './status.ts';
import { readStatusDir, type StatusFiles } from './status-files.ts';
import { StatusRenderMemo } from './render-memo.ts';
import { ShardMap } from '../ha/shards.ts';
import { locationsWithBackups, observe, type Observed } from './observe.ts';

export interface TickResult {
  revision: string;
  sourceRevision: string;
  plan: Plan;
  results: ActionResult[];
  /** The status commit pushed this tick, if anything changed. */
  commit?: string;
  changedFiles: string[];
  /** Locations whose inventory could not be listed this tick, with the reason. */
  unobserved: Record<string, string>;
  durationMs: number;
}

/**
 * The engine's current state, as the read API (src/server) serves it: the last tick's view of Git
 * and storage, held in memory. Taking one does no I/O; the objects are shared, so read only.
 */
export interface EngineSnapshot {
  sourceRevision: string;
  repo: PolicyRepository;
  /** Each observed location's inventory (the cache, with the engine's own writes applied). */
  inventories: Record<string, Inventory>;
  unobserved: Record<string, string>;
  /** Status documents as last written, by path (status/policies/<name>.yaml, …). */
  status: ReadonlyMap<string, StatusDoc<unknown>>;
  restoreResults: ReadonlyMap<string, RestoreResult>;
  /** The policy repository's URL, for links to its Git host. */
  repoUrl: string;
  /** Changes whenever anything above may have changed (memo key for derived views). */
  generation: string;
}

export { observe, type Observed } from './observe.ts';

/** What pull returns: the remote head, and R, the newest commit that changed desired state. */
interface Pulled {
  revision: string;
  sourceRevision: string;
}

/** What load returns: the desired objects at R, and the status files as last committed. */
interface Loaded {
  repo: PolicyRepository;
  previous: StatusFiles;
}

/** What record returns: the files to commit and the message, or `steady` when nothing changes. */
interface Recorded {
  steady: boolean;
  acted: ActionResult[];
  files: Record<string, string | null>;
  rendered: Map<string, string | null>;
  message?: ReturnType<typeof commitMessage>;
}

/** Unpushed actions kept for the next commit, at most (a remote refusing pushes for days). */
const MAX_CARRIED_ACTIONS = 10_000;

export class Engine {
  readonly cache: InventoryCache;
  readonly connections: Connections;
  private git?: PolicyRepo;
  private loaded?: { sourceRevision: string; repo: PolicyRepository };
  /** Status as last rendered or read: path → content and parsed document. */
  private status?: StatusFiles;
  private readonly restoreResults = new Map<string, RestoreResult>();
  private readonly renderMemo = new StatusRenderMemo();
  /** steadyKey of the last report that found nothing to change. */
  private lastSteady?: string;
  /** Sharded: the remote head as this engine last left it (its own status commit, or the sync). */
  private knownHead?: string;
  /**
   * Actions whose status commit was not pushed (the push lost every race, or failed): carried
   * into the next tick's commit, so every action that happened appears in exactly one pushed
   * commit's trailers. Kept in memory: a restart loses them (storage still holds their effect).
   */
  private unpushed: ActionResult[] = [];
  private lastUnobserved: Record<string, string> = {};
  private ticks = 0;

  constructor(readonly config: EngineConfig) {
    this.cache = new InventoryCache(config.inventorySyncPeriodMs);
    this.connections = new Connections(config);
  }

  /**
   * @param opts.signal stops the tick: actions not started are skipped, in-flight backups abandoned.
   * @param opts.term set under leader election: when it has ended (the Lease was lost), the tick
   *   reports only the actions that finished, and nothing at all when none did — the new holder
   *   reports the rest.
   */
  async tick(opts: { signal?: AbortSignal; term?: AbortSignal } = {}): Promise<TickResult> {
    const started = Date.now();
    const pulled = await this.pull();
    const loaded = await this.load(pulled);
    const observed = await this.observe(loaded);
    const plan = this.plan(loaded.repo, pulled.sourceRevision, observed.inventories, loaded.previous.docs);
    let results = await this.execute(plan, loaded.repo, pulled.sourceRevision, opts.signal);
    // What the actions wrote, applied to the cached inventory: the next tick plans on it unlisted.
    this.cache.apply(results);
    const { revision, sourceRevision } = pulled;
    const { unobserved } = observed;
    if (opts.term?.aborted) {
      results = results.filter((r) => r.outcome !== 'Skipped');
      if (results.length === 0) return { revision, sourceRevision, plan, results, changedFiles: [], unobserved, durationMs: Date.now() - started };
    }
    const record = this.record(loaded, observed, plan, results, sourceRevision);
    const committed = await this.commit(record, loaded.previous);
    this.ticks++;
    return { revision, sourceRevision, plan, results, ...committed, unobserved, durationMs: Date.now() - started };
  }

  /** pull: fetch the policy repository; R is the newest commit that changed desired state. */
  private async pull(): Promise<Pulled> {
    if (!this.git) {
      await mkdir(dirname(this.config.workdir), { recursive: true });
      this.git = await openPolicyRepo({
        url: this.config.repoUrl,
        ...(this.config.branch ? { branch: this.config.branch } : {}),
        workdir: this.config.workdir,
        ...(this.config.author ? { author: this.config.author } : {}),
        skipCi: this.config.skipCi,
        logger: this.config.logger,
        env: this.config.env,
      });
    }
    const { revision, sourceRevision } = await this.git.sync();
    return { revision, sourceRevision };
  }

  /**
   * load: parse and validate every manifest at R (an unchanged R reuses the last load), and the
   * status files at the remote head: what the last commit recorded, the input to removed-policy
   * detection and to the next record. Read from the clone once, then kept as committed (cairn is
   * their only writer); under sharding other shards commit too, so a moved head re-reads them.
   */
  private async load(pulled: Pulled): Promise<Loaded> {
    if (this.config.shard && pulled.revision !== this.knownHead) this.status = undefined;
    this.knownHead = pulled.revision;
    if (this.loaded?.sourceRevision !== pulled.sourceRevision) {
      const repo = await loadRepository(this.git!.dir);
      this.loaded = { sourceRevision: pulled.sourceRevision, repo };
      for (const e of repo.errors) this.config.logger.warn({ file: e.file, line: e.line, col: e.col, path: e.path }, e.message);
    }
    this.status ??= await readStatusDir(this.git!.dir);
    return { repo: this.loaded.repo, previous: this.status };
  }

  /**
   * observe: each location's inventory (cached), and the results of restores that ran and are not
   * known yet, read from the location that holds them (the restore ran where its backup was found).
   */
  private async observe(loaded: Loaded): Promise<Observed & { restoreResults: ReadonlyMap<string, RestoreResult> }> {
    const { repo, previous } = loaded;
    const observed = await observe(repo, this.connections, this.cache, this.config, locationsWithBackups(previous.docs.values()));
    this.lastUnobserved = observed.unobserved;
    for (const req of repo.restores) {
      if (this.restoreResults.has(req.metadata.name)) continue;
      const loc = repo.locations.find((l) => observed.inventories[l.metadata.name]?.restores.includes(req.metadata.name));
      if (!loc) continue;
      const store = await this.connections.location(loc);
      try {
        const result = await store.readRestoreResult<RestoreResult>(req.metadata.name);
        if (result) this.restoreResults.set(req.metadata.name, result);
      } catch (err) {
        // Not swallowed: the restore's status stays as it was, and the reason is logged with its code.
        this.config.logger.warn({ restore: req.metadata.name, location: loc.metadata.name, code: (err as { code?: string }).code ?? 'storage.read', err: (err as Error).message }, 'cannot read the restore result; its status waits');
      }
    }
    return { ...observed, restoreResults: this.restoreResults };
  }

  /** plan: the pure diff of desired state and inventory. */
  private plan(repo: PolicyRepository, revision: string, inventories: Record<string, Inventory>, previous: ReadonlyMap<string, StatusDoc<unknown>>, now: Date = this.config.now()): Plan {
    const plan = computePlan({
      repo,
      revision,
      inventories,
      now,
      // A policy whose file is gone is known from the status the last commit recorded for it.
      removedPolicies: removedPolicies(repo, previous),
      options: {
        ...(this.config.maxDeletionsPerTick !== undefined ? { maxDeletionsPerTick: this.config.maxDeletionsPerTick } : {}),
        allowMassDeletion: this.config.allowMassDeletion,
        incompleteCleanupAfterMs: this.config.incompleteCleanupAfterMs,
      },
    });
    // Planned over the whole repository (so no other shard's policy looks removed), acted on in part.
    return this.config.shard ? new ShardMap(repo, this.config.shard).restrict(plan) : plan;
  }

  /** execute: run the plan's actions with bounded concurrency. */
  private execute(plan: Plan, repo: PolicyRepository, revision: string, signal?: AbortSignal): Promise<ActionResult[]> {
    return executePlan(plan, { config: this.config, repo, revision, connections: this.connections, ...(signal ? { signal } : {}) });
  }

  /**
   * record: the status files and the commit message for this tick (pure but for the render memo,
   * which only saves work). Carried actions of an earlier failed push are recorded again.
   */
  private record(loaded: Loaded, observed: Observed & { restoreResults: ReadonlyMap<string, RestoreResult> }, plan: Plan, results: ActionResult[], sourceRevision: string): Recorded {
    const { repo, previous } = loaded;
    const acted = [...this.unpushed, ...results];
    // The steady tick: same inputs as a report that changed nothing, so nothing changes now either.
    const steady = this.steadyKey(plan, acted, sourceRevision);
    if (steady !== undefined && steady === this.lastSteady) return { steady: true, acted, files: {}, rendered: new Map() };
    this.lastSteady = undefined;
    const inventories: Record<string, Inventory> = {};
    for (const loc of repo.locations) {
      const inv = this.cache.peek(loc.metadata.name) ?? observed.inventories[loc.metadata.name];
      if (inv) inventories[loc.metadata.name] = inv;
    }
    // Results of restores that ran this tick come with their action; the rest were observed.
    for (const r of results) if (r.restore && r.action.type === 'restore') this.restoreResults.set(r.action.restore, r.restore);
    const input = { repo, plan, inventories, results, previous: previous.docs, restoreResults: this.restoreResults, sourceRevision, now: this.config.now() };
    const rendered = buildStatus(input, this.renderMemo.render);
    const shard = this.config.shard ? new ShardMap(repo, this.config.shard) : undefined;
    const files: Record<string, string | null> = {};
    for (const [path, text] of rendered) {
      if (shard && !shard.ownsStatusPath(path)) continue;
      if (text === null) this.renderMemo.forget(path);
      if (text === null ? previous.texts.has(path) : previous.texts.get(path) !== text) files[path] = text;
    }
    if (Object.keys(files).length === 0 && acted.length === 0) {
      this.lastSteady = steady;
      return { steady: true, acted, files, rendered };
    }
    return { steady: false, acted, files, rendered, message: commitMessage(acted, repo.errors, sourceRevision) };
  }

  /** commit: one commit per tick that changed something, pushed; the status kept as committed. */
  private async commit(recorded: Recorded, previous: StatusFiles): Promise<{ commit?: string; changedFiles: string[] }> {
    const { acted, files, rendered, message } = recorded;
    const changedFiles = Object.keys(files).sort();
    if (recorded.steady || !message) return { changedFiles: recorded.steady ? [] : changedFiles };
    let commit: string | undefined;
    try {
      // An action is recorded even when no status file changed: its trailer is the audit trail.
      const res = await this.git!.commitStatus({ files, ...message, allowEmpty: acted.length > 0 });
      commit = res.commit;
      if (commit) this.knownHead = commit;
      this.unpushed = [];
    } catch (err) {
      // Status is derived from storage each tick, so nothing is lost: re-read it next time. The
      // actions are not derivable: carry them into the next commit.
      this.status = undefined;
      this.carry(acted);
      throw err;
    }
    for (const [path, text] of rendered) {
      if (text === null) {
        previous.texts.delete(path);
        previous.docs.delete(path);
      } else if (files[path] !== undefined) {
        previous.texts.set(path, text);
        previous.docs.set(path, parse(text) as StatusDoc<unknown>);
      }
    }
    return { ...(commit ? { commit } : {}), changedFiles };
  }

  private carry(acted: ActionResult[]): void {
    const dropped = Math.max(0, acted.length - MAX_CARRIED_ACTIONS);
    if (dropped > 0) this.config.logger.error({ dropped }, 'status pushes keep failing: the oldest unpushed actions are dropped from the audit trail');
    this.unpushed = acted.slice(dropped);
    this.config.logger.warn({ actions: this.unpushed.length }, 'status commit not pushed; its actions are carried into the next commit');
  }

  /**
   * What the report depends on, when the tick ran no action: the loaded revision, the inventory
   * cache's generation, the restore results known, and the plan (whose `now` alone may move
   * without changing anything). When a report with this key changed no file, the previous status
   * is its own output, so a report with the same key is a fixed point: it changes nothing either
   * (the clock only stamps conditions that change). undefined: a tick that acted always reports.
   */
  private steadyKey(plan: Plan, results: ActionResult[], sourceRevision: string): string | undefined {
    if (results.length > 0) return undefined;
    return JSON.stringify([sourceRevision, this.cache.generation, this.restoreResults.size, { ...plan, now: undefined }]);
  }

  // ------------------------------------------------------------ read side (src/server)

  /** The state the last tick left, without I/O; undefined before the first tick loaded the repo. */
  snapshot(): EngineSnapshot | undefined {
    if (!this.loaded) return undefined;
    const inventories: Record<string, Inventory> = {};
    for (const loc of this.loaded.repo.locations) {
      const inv = this.cache.peek(loc.metadata.name);
      if (inv) inventories[loc.metadata.name] = inv;
    }
    return {
      sourceRevision: this.loaded.sourceRevision,
      repo: this.loaded.repo,
      inventories,
      unobserved: this.lastUnobserved,
      status: this.status?.docs ?? new Map(),
      restoreResults: this.restoreResults,
      repoUrl: this.config.repoUrl,
      generation: `${this.ticks}/${this.cache.generation}/${this.loaded.sourceRevision}`,
    };
  }

  /** What the next tick would do at `now`, from the current state: the pure plan, no I/O. */
  previewPlan(now: Date = this.config.now()): Plan | undefined {
    const snap = this.snapshot();
    return snap && this.plan(snap.repo, snap.sourceRevision, snap.inventories, snap.status, now);
  }

  /** A backup's log (one object read from its location). */
  async backupLog(location: string, name: string): Promise<object[]> {
    const loc = this.loaded?.repo.locations.find((l) => l.metadata.name === location);
    if (!loc) throw new Error(`no location ${location}`);
    return (await this.connections.location(loc)).readLog(name);
  }

  /** For `cairn audit`. */
  async audit(filter: { policy?: string; restore?: string; limit?: number } = {}) {
    if (!this.git) await this.pull();
    return this.git!.audit(filter);
  }
}
