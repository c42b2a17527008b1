// `cairn plan`, `cairn reconcile --once`, `cairn run`, `cairn audit`: thin wrappers over src/engine.
import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { simpleGit } from 'simple-git';
import { engineConfig, type EngineConfig } from '../engine/config.ts';
import { Engine, type TickResult } from '../engine/engine.ts';
import { RunLoop } from '../engine/loop.ts';
import { planDirectory } from '../engine/plan-dir.ts';
import { formatPlan, summarizePlan } from '../plan/index.ts';
import type { PlanFormat } from '../plan/types.ts';
import { parseDuration } from '../schedule/duration.ts';
import { createLogger } from '../log.ts';
import { authFromEnv, isLoopback, parseListen, READ_TOKEN_ENV, serveEngine, ServerState, startServer, WEBHOOK_SECRET_ENV, type ServedEngine } from '../server/http.ts';
import { bodyLine } from '../engine/report.ts';

interface EngineOpts {
  repo?: string;
  branch?: string;
  dataDir: string;
  workdir?: string;
  kubeconfig?: string;
  concurrency?: string;
  maxDeletionsPerTick?: string;
  allowMassDeletion?: boolean;
  author?: string;
  skipCi?: boolean;
  now?: string;
  logLevel?: string;
  inventorySyncPeriod?: string;
}

function engineOptions(cmd: Command, repoHelp: string, repoDefault: string | undefined = process.env.CAIRN_REPO): Command {
  return cmd
    .option('--repo <url|path>', repoHelp, repoDefault)
    .option('--branch <name>', 'branch to follow (default: the remote HEAD)', process.env.CAIRN_BRANCH)
    .option('--data-dir <dir>', 'local data: the clone, and relative filesystem locations', process.env.CAIRN_DATA_DIR ?? '.cairn/data')
    .option('--workdir <dir>', "cairn's clone of the policy repository (default <data-dir>/repo)")
    .option('--kubeconfig <file>', 'kubeconfig for policies that name no Cluster (default KUBECONFIG, ~/.kube/config or in-cluster)')
    .option('--concurrency <n>', 'actions run at once', '4')
    .option('--inventory-sync-period <duration>', 'full re-list of every location this often; between, the cached inventory is used', '10m')
    .option('--max-deletions-per-tick <n>', 'cap on expiries and deletes per tick (default 10% of the inventory, at least 1)')
    .option('--allow-mass-deletion', 'lift the deletion cap for this run', false)
    .option('--author <"Name <email>">', 'author of status commits', process.env.CAIRN_GIT_AUTHOR)
    .option('--no-skip-ci', 'do not append [skip ci] to status commit subjects')
    .addOption(new Option('--now <time>', 'evaluate schedules at this RFC3339 time instead of the clock').hideHelp())
    .option('--log-level <level>', 'debug | info | warn | error', process.env.CAIRN_LOG_LEVEL ?? 'info');
}

function parseAuthor(text: string | undefined): EngineConfig['author'] {
  if (!text) return undefined;
  const m = /^\s*(.+?)\s*<([^>]+)>\s*$/.exec(text);
  if (!m) throw new Error(`--author must look like "Name <email>", got "${text}"`);
  return { name: m[1], email: m[2] };
}

function positiveInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${text}"`);
  return n;
}

export function toConfig(o: EngineOpts, repoUrl: string): EngineConfig {
  const fixed = o.now ? new Date(o.now) : undefined;
  if (fixed && Number.isNaN(fixed.getTime())) throw new Error(`--now must be an RFC3339 time, got "${o.now}"`);
  const author = parseAuthor(o.author);
  const maxDeletionsPerTick = positiveInt(o.maxDeletionsPerTick, '--max-deletions-per-tick');
  return engineConfig({
    repoUrl,
    dataDir: o.dataDir,
    ...(o.branch ? { branch: o.branch } : {}),
    ...(o.workdir ? { workdir: o.workdir } : {}),
    ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
    ...(author ? { author } : {}),
    skipCi: o.skipCi !== false,
    concurrency: positiveInt(o.concurrency, '--concurrency') ?? 4,
    inventorySyncPeriodMs: parseDuration(o.inventorySyncPeriod ?? '10m'),
    ...(maxDeletionsPerTick !== undefined ? { maxDeletionsPerTick } : {}),
    allowMassDeletion: o.allowMassDeletion === true,
    ...(fixed ? { now: () => fixed } : {}),
    logger: createLogger({ level: o.logLevel ?? 'info' }),
  });
}

function requireRepo(o: EngineOpts): string {
  if (!o.repo) throw new Error('no policy repository: pass --repo <url|path> or set CAIRN_REPO');
  return o.repo;
}

/** One line per tick for humans and scripts: what changed and where it was committed. */
export function tickSummary(r: TickResult): string {
  const lines = [`tick at ${r.sourceRevision.slice(0, 12)}: ${r.results.length} action(s) in ${r.durationMs} ms${r.commit ? `, status commit ${r.commit.slice(0, 12)}` : ', no status change'}`];
  for (const a of r.results) lines.push(`  ${bodyLine(a)}`);
  for (const b of r.plan.blocked) lines.push(`  blocked: ${b.message}`);
  for (const [loc, why] of Object.entries(r.unobserved)) lines.push(`  location ${loc} not observed: ${why}`);
  const files = new Set(r.plan.errors.map((e) => e.file));
  if (files.size) lines.push(`  ${files.size} invalid file(s): ${[...files].join(', ')} (see status/errors.yaml)`);
  return lines.join('\n');
}

async function revisionOf(dir: string): Promise<string> {
  try {
    return (await simpleGit(dir).revparse(['HEAD'])).trim();
  } catch {
    return 'working-tree';
  }
}

export function registerEngine(program: Command): void {
  engineOptions(
    program
      .command('plan')
      .description('show what the reconciler would do for a policy repository work tree (the pull-request view); changes nothing')
      .option('--format <format>', 'text | json | markdown', 'text')
      .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error', false),
    'policy repository work tree (default: current directory)',
    '.',
  ).action(async (o: EngineOpts & { format: string; detailedExitcode: boolean }) => {
    if (!['text', 'json', 'markdown'].includes(o.format)) {
      process.stderr.write(`cairn plan: --format must be text, json or markdown, got "${o.format}"\n`);
      // With --detailed-exitcode, 2 means "changes"; an error must not look like one.
      process.exitCode = o.detailedExitcode ? 1 : 2;
      return;
    }
    const dir = o.repo!;
    if (!existsSync(dir)) {
      process.stderr.write(`cairn plan: no such directory: ${dir}\n`);
      process.exitCode = o.detailedExitcode ? 1 : 2;
      return;
    }
    try {
      const config = toConfig({ ...o, logLevel: o.logLevel ?? 'warn' }, dir);
      const { plan, unobserved } = await planDirectory(dir, await revisionOf(dir), config);
      const text = formatPlan(plan, o.format as PlanFormat);
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      // Why a location could not be listed (a missing credential in CI, say) belongs in the view.
      const why = Object.entries(unobserved);
      if (why.length && o.format !== 'json') {
        const bullet = o.format === 'markdown' ? '- ' : '  ';
        process.stdout.write(`\n${o.format === 'markdown' ? '**Locations not observed**' : 'Locations not observed:'}\n\n`);
        for (const [loc, reason] of why) process.stdout.write(`${bullet}${loc}: ${reason}\n`);
      }
      const summary = summarizePlan(plan);
      process.exitCode = o.detailedExitcode ? (summary.total > 0 ? 2 : 0) : 0;
    } catch (err) {
      process.stderr.write(`cairn plan: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  });

  engineOptions(
    program.command('reconcile').description('run reconcile ticks: sync, load, observe, plan, execute, report').option('--once', 'run a single tick and exit', false),
    'policy repository URL or path (env CAIRN_REPO)',
  ).action(async (o: EngineOpts & { once: boolean }) => {
    if (!o.once) {
      process.stderr.write('cairn reconcile: pass --once for a single tick, or use `cairn run` for the loop\n');
      process.exitCode = 2;
      return;
    }
    try {
      const engine = new Engine(toConfig(o, requireRepo(o)));
      const r = await engine.tick();
      process.stdout.write(`${tickSummary(r)}\n`);
      const failed = r.results.some((a) => a.outcome === 'Failed' || a.outcome === 'FailedValidation');
      process.exitCode = failed ? 1 : 0;
    } catch (err) {
      process.stderr.write(`cairn reconcile: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  });

  engineOptions(
    program
      .command('run')
      .description('the long-running reconciler: a tick every interval; SIGTERM stops safely')
      .option('--interval <duration>', 'time between ticks', process.env.CAIRN_INTERVAL ?? '1m')
      .option('--listen <[host:]port>', 'serve the status page, /api/v1, /healthz, /readyz, /metrics, /status and POST /webhook; a bare port binds 127.0.0.1 (env CAIRN_LISTEN)', process.env.CAIRN_LISTEN)
      .option('--webhook-insecure', `accept POST /webhook without a signature when ${WEBHOOK_SECRET_ENV} is not set (trusted networks only)`, false),
    'policy repository URL or path (env CAIRN_REPO)',
  ).action(async (o: EngineOpts & { interval: string; listen?: string; webhookInsecure: boolean }) => {
    let config: EngineConfig;
    let intervalMs: number;
    try {
      config = toConfig(o, requireRepo(o));
      intervalMs = parseDuration(o.interval);
      if (intervalMs < 1000) throw new Error(`--interval must be at least 1s, got "${o.interval}"`);
      if (o.listen) parseListen(o.listen);
    } catch (err) {
      process.stderr.write(`cairn run: ${(err as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    const engine = new Engine(config);
    const stop = new AbortController();
    const log = config.logger;
    const state = new ServerState(engine, log);
    const loop = new RunLoop(engine, {
      intervalMs,
      signal: stop.signal,
      onTick: (r) => {
        state.recordTick(r);
        log.info({ revision: r.sourceRevision, actions: r.results.length, commit: r.commit, ms: r.durationMs }, 'tick finished');
      },
      onError: (err) => {
        state.recordError(err);
        log.error({ err: (err as Error).message }, 'tick failed; retrying next interval');
      },
    });
    const auth = authFromEnv(process.env, o.webhookInsecure);
    if (o.listen) {
      const { host } = parseListen(o.listen);
      if (!auth.webhookSecret && !auth.webhookInsecure) log.warn(`POST /webhook answers 403: ${WEBHOOK_SECRET_ENV} is not set (set it to the secret of your Git host's webhook, or pass --webhook-insecure on a trusted network)`);
      if (!auth.readToken && !isLoopback(host)) log.warn({ listen: o.listen }, `the page, /api/v1, /status and /metrics are open to anyone who can reach ${host}: set ${READ_TOKEN_ENV} to require a token`);
    }
    const server = o.listen ? await startServer({ listen: o.listen, state, auth, onWebhook: () => loop.trigger(), logger: log }) : undefined;
    let signals = 0;
    const onSignal = (sig: string) => {
      signals++;
      if (signals > 1) {
        log.warn({ signal: sig }, 'second signal: exiting now; in-flight uploads stay incomplete and are cleaned later');
        process.exit(130);
      }
      log.info({ signal: sig }, 'stopping: abandoning in-flight backups safely, then reporting');
      stop.abort();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    log.info({ repo: config.repoUrl, interval: o.interval, listen: o.listen }, 'cairn run started');
    await loop.run();
    server?.close();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    log.info('cairn run stopped');
    process.exitCode = 0;
  });

  engineOptions(
    program
      .command('audit')
      .description("read cairn's status commits back: what happened, when, at which revision")
      .option('--policy <name>', 'only actions of this policy')
      .option('--restore <name>', 'only this restore')
      .option('--limit <n>', 'most commits to read', '100')
      .option('--output <format>', 'text | json', 'text'),
    'policy repository URL or path (env CAIRN_REPO)',
  ).action(async (o: EngineOpts & { policy?: string; restore?: string; limit: string; output: string }) => {
    try {
      const engine = new Engine(toConfig({ ...o, logLevel: o.logLevel ?? 'warn' }, requireRepo(o)));
      const entries = await engine.audit({
        ...(o.policy ? { policy: o.policy } : {}),
        ...(o.restore ? { restore: o.restore } : {}),
        limit: positiveInt(o.limit, '--limit') ?? 100,
      });
      if (o.output === 'json') {
        process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      } else {
        for (const e of entries) {
          process.stdout.write(`${e.commit.slice(0, 12)}  ${e.date}  ${e.subject}${e.revision ? `  (at ${e.revision.slice(0, 12)})` : ''}\n`);
          for (const a of e.actions) process.stdout.write(`    ${a.verb} ${a.object} ${a.result}\n`);
        }
        if (entries.length === 0) process.stdout.write('no cairn status commits found\n');
      }
    } catch (err) {
      process.stderr.write(`cairn audit: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  });
}

/** Throws a message naming --listen when `text` is not [host:]port. */
export function checkListen(text: string): void {
  parseListen(text);
}

/**
 * `cairn start --serve`: the demo's engine keeps serving its page and API. It ticks on a push
 * webhook only: the demo clock does not move, so a timer would only repeat the last tick.
 */
export function serveDemoEngine(engine: Engine, o: { listen: string; webhookInsecure: boolean; history: { result: TickResult; at: Date }[] }): Promise<ServedEngine> {
  return serveEngine(engine, {
    listen: o.listen,
    auth: authFromEnv(process.env, o.webhookInsecure),
    intervalMs: 24 * 3_600_000,
    history: o.history,
    logger: createLogger({ level: process.env.CAIRN_LOG_LEVEL ?? 'warn' }),
  });
}
