// One reconcile tick (DESIGN §1), read top to bottom as its six steps:
//   sync → load → observe → plan → execute → report
// Each step is a method named for what it does; the pure parts (computePlan, buildStatus,
// commitMessage) take data and return data.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse } from 'yaml';
import { loadRepository } from '../api/loader.ts';
import type { PolicyRepository } from '../api/types.ts';
import { openPolicyRepo, type PolicyRepo } from '../git/index.ts';
import { computePlan } from '../plan/plan.ts';
import type { Plan, RemovedPolicy } from '../plan/types.ts';
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
import { locationsWithBackups, observe } from './observe.ts';

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
  private lastUnobserved: Record<string, string> = {};
  private ticks = 0;

  constructor(readonly config: EngineConfig) {
    this.cache = new InventoryCache(config.inventorySyncPeriodMs);
    this.connections = new Connections(config);
  }

  async tick(opts: { signal?: AbortSignal } = {}): Promise<TickResult> {
    const started = Date.now();
    const { revision, sourceRevision } = await this.sync();
    const repo = await this.load(sourceRevision);
    const previous = await this.previousStatus();
    const { inventories, unobserved } = await observe(repo, this.connections, this.cache, this.config, locationsWithBackups(previous.docs.values()));
    this.lastUnobserved = unobserved;
    const plan = this.plan(repo, sourceRevision, inventories);
    const results = await this.execute(plan, repo, sourceRevision, opts.signal);
    const report = await this.report(repo, plan, results, sourceRevision);
    this.ticks++;
    return { revision, sourceRevision, plan, results, ...report, unobserved, durationMs: Date.now() - started };
  }

  /** sync: fetch the policy repository; R is the newest commit that changed desired state. */
  private async sync(): Promise<{ revision: string; sourceRevision: string }> {
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

  /** load: parse and validate every manifest at R; unchanged R reuses the last load. */
  private async load(sourceRevision: string): Promise<PolicyRepository> {
    if (this.loaded?.sourceRevision === sourceRevision) return this.loaded.repo;
    const repo = await loadRepository(this.git!.dir);
    this.loaded = { sourceRevision, repo };
    for (const e of repo.errors) this.config.logger.warn({ file: e.file, line: e.line, col: e.col, path: e.path }, e.message);
    return repo;
  }

  /** plan: the pure diff of desired state and inventory. */
  private plan(repo: PolicyRepository, revision: string, inventories: Record<string, Inventory>, now: Date = this.config.now()): Plan {
    return computePlan({
      repo,
      revision,
      inventories,
      now,
      removedPolicies: this.removedPolicies(repo),
      options: {
        ...(this.config.maxDeletionsPerTick !== undefined ? { maxDeletionsPerTick: this.config.maxDeletionsPerTick } : {}),
        allowMassDeletion: this.config.allowMassDeletion,
        incompleteCleanupAfterMs: this.config.incompleteCleanupAfterMs,
      },
    });
  }

  /** execute: run the plan's actions with bounded concurrency. */
  private execute(plan: Plan, repo: PolicyRepository, revision: string, signal?: AbortSignal): Promise<ActionResult[]> {
    return executePlan(plan, { config: this.config, repo, revision, connections: this.connections, cache: this.cache, ...(signal ? { signal } : {}) });
  }

  /** report: render status files, commit what changed (one commit per tick), push. */
  private async report(repo: PolicyRepository, plan: Plan, results: ActionResult[], sourceRevision: string): Promise<{ commit?: string; changedFiles: string[] }> {
    const previous = await this.previousStatus();
    await this.refreshRestoreResults(repo);
    // The steady tick: same inputs as a report that changed nothing, so nothing changes now either.
    const steady = this.steadyKey(plan, results, sourceRevision);
    if (steady !== undefined && steady === this.lastSteady) return { changedFiles: [] };
    this.lastSteady = undefined;
    const inventories: Record<string, Inventory> = {};
    for (const loc of repo.locations) {
      const inv = this.cache.peek(loc.metadata.name);
      if (inv) inventories[loc.metadata.name] = inv;
    }
    const input = { repo, plan, inventories, results, previous: previous.docs, restoreResults: this.restoreResults, sourceRevision, now: this.config.now() };
    const rendered = buildStatus(input, this.renderMemo.render);
    const files: Record<string, string | null> = {};
    for (const [path, text] of rendered) {
      if (text === null) this.renderMemo.forget(path);
      if (text === null ? previous.texts.has(path) : previous.texts.get(path) !== text) files[path] = text;
    }
    const changedFiles = Object.keys(files).sort();
    if (changedFiles.length === 0 && results.length === 0) {
      this.lastSteady = steady;
      return { changedFiles };
    }
    const message = commitMessage(results, repo.errors, sourceRevision);
    let commit: string | undefined;
    try {
      const res = await this.git!.commitStatus({ files, ...message });
      commit = res.commit;
    } catch (err) {
      // Status is derived from storage each tick, so nothing is lost: re-read it next time.
      this.status = undefined;
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

  /** Previous status: read from the clone once, then kept in memory (cairn is its only writer). */
  private async previousStatus(): Promise<StatusFiles> {
    this.status ??= await readStatusDir(this.git!.dir);
    return this.status;
  }

  private removedPolicies(repo: PolicyRepository): Record<string, RemovedPolicy> {
    return removedPolicies(repo, this.status?.docs ?? new Map());
  }

  /**
   * Reads result.json.gz of restores that ran and whose result is not known yet, from the location
   * that holds it: the restore ran where its backup was found, not necessarily the default location.
   */
  private async refreshRestoreResults(repo: PolicyRepository): Promise<void> {
    for (const req of repo.restores) {
      if (this.restoreResults.has(req.metadata.name)) continue;
      const loc = repo.locations.find((l) => this.cache.peek(l.metadata.name)?.restores.includes(req.metadata.name));
      if (!loc) continue;
      const store = await this.connections.location(loc);
      const result = await store.readRestoreResult<RestoreResult>(req.metadata.name).catch(() => undefined);
      if (result) this.restoreResults.set(req.metadata.name, result);
    }
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
    return snap && this.plan(snap.repo, snap.sourceRevision, snap.inventories, now);
  }

  /** A backup's log (one object read from its location). */
  async backupLog(location: string, name: string): Promise<object[]> {
    const loc = this.loaded?.repo.locations.find((l) => l.metadata.name === location);
    if (!loc) throw new Error(`no location ${location}`);
    return (await this.connections.location(loc)).readLog(name);
  }

  /** For `cairn audit`. */
  async audit(filter: { policy?: string; restore?: string; limit?: number } = {}) {
    if (!this.git) await this.sync();
    return this.git!.audit(filter);
  }
}
