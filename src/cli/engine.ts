// `cairn plan`, `cairn reconcile --once`, `cairn run`, `cairn audit`: thin wrappers over src/engine.
// The engine and its adapters are imported inside each action, so `cairn plan` never loads the
// Git library, the Kubernetes client or metrics it does not use (issue 17).
import { Option, type Command } from 'commander';
import type { EngineConfig } from '../engine/config.ts';
import type { TickResult } from '../engine/engine.ts';
import type { PlanFormat } from '../plan/types.ts';
import { bodyLine } from '../engine/report.ts';
import { addLeaderElectionOptions, leaderElection, type LeaderElectionFlags } from '../ha/options.ts';
import {
  CliError,
  EXIT,
  assertDataDirOutsideWorkTree,
  dataDirOption,
  outputOption,
  positiveInt,
  printData,
  repoOption,
  type Output,
} from './common.ts';

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

/** What every engine command reads: the repository, its branch, the data directory. */
function sourceOptions(cmd: Command, repoFallback?: string): Command {
  repoOption(cmd, repoFallback);
  dataDirOption(cmd);
  return cmd
    .option('--branch <name>', 'branch to follow (default: the remote HEAD; env CAIRN_BRANCH)', process.env.CAIRN_BRANCH)
    .option('--workdir <dir>', "cairn's clone of the policy repository (default <data-dir>/repo)")
    .addOption(new Option('--now <time>', 'evaluate schedules at this RFC3339 time instead of the clock').hideHelp());
}

/** Engine tuning: only on the commands that run ticks (run, reconcile). */
function tuningOptions(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig for policies that name no Cluster (default KUBECONFIG, ~/.kube/config or in-cluster)')
    .option('--concurrency <n>', 'actions run at once', '4')
    .option('--inventory-sync-period <duration>', 'full re-list of every location this often; between, the cached inventory is used', '10m')
    .option('--max-deletions-per-tick <n>', 'cap on expiries and deletes per tick (default 10% of the inventory, at least 1)')
    .option('--allow-mass-deletion', 'lift the deletion cap for this run', false)
    .option('--author <"Name <email>">', 'author of status commits (env CAIRN_GIT_AUTHOR)', process.env.CAIRN_GIT_AUTHOR)
    .option('--no-skip-ci', 'do not append [skip ci] to status commit subjects');
}

function parseAuthor(text: string | undefined): EngineConfig['author'] {
  if (!text) return undefined;
  const m = /^\s*(.+?)\s*<([^>]+)>\s*$/.exec(text);
  if (!m) throw new CliError(`--author must look like "Name <email>", got "${text}"`);
  return { name: m[1], email: m[2] };
}

export async function toConfig(o: EngineOpts, repoUrl: string): Promise<EngineConfig> {
  const fixed = o.now ? new Date(o.now) : undefined;
  if (fixed && Number.isNaN(fixed.getTime())) throw new CliError(`--now must be an RFC3339 time, got "${o.now}"`);
  const author = parseAuthor(o.author);
  const maxDeletionsPerTick = positiveInt(o.maxDeletionsPerTick, '--max-deletions-per-tick');
  const { parseDuration } = await import('../schedule/duration.ts');
  let inventorySyncPeriodMs: number;
  try {
    inventorySyncPeriodMs = parseDuration(o.inventorySyncPeriod ?? '10m');
  } catch (err) {
    throw new CliError(`--inventory-sync-period: ${(err as Error).message}`);
  }
  const { engineConfig } = await import('../engine/config.ts');
  const { createLogger } = await import('../log.ts');
  return engineConfig({
    repoUrl,
    dataDir: o.dataDir,
    ...(o.branch ? { branch: o.branch } : {}),
    ...(o.workdir ? { workdir: o.workdir } : {}),
    ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
    ...(author ? { author } : {}),
    skipCi: o.skipCi !== false,
    concurrency: positiveInt(o.concurrency, '--concurrency') ?? 4,
    inventorySyncPeriodMs,
    ...(maxDeletionsPerTick !== undefined ? { maxDeletionsPerTick } : {}),
    allowMassDeletion: o.allowMassDeletion === true,
    ...(fixed ? { now: () => fixed } : {}),
    logger: createLogger({ level: o.logLevel ?? 'info' }),
  });
}

function requireRepo(o: EngineOpts): string {
  if (!o.repo) throw new CliError('no policy repository: pass --repo <url|path> or set CAIRN_REPO');
  return o.repo;
}

/**
 * reconcile and run: the engine will take backups and push status commits, so the repository is
 * required, the data directory must lie outside any work tree, and a local remote must accept
 * the pushes; then their EngineConfig.
 */
async function actingConfig(o: EngineOpts): Promise<EngineConfig> {
  const repo = requireRepo(o);
  assertDataDirOutsideWorkTree(o.dataDir);
  const { checkRemoteAcceptsPush } = await import('./policy-source.ts');
  checkRemoteAcceptsPush(repo, o.branch);
  return toConfig(o, repo);
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

/** The repository held nothing cairn could act on: a false green if it exited 0. */
function assertHasObjects(dir: string, counts: { objects: number; files: number }, errors: number): void {
  if (counts.objects === 0 && errors === 0) {
    throw new CliError(`${dir} holds no cairn objects (looked for YAML under locations/, clusters/, policies/, restores/, modifiers/): nothing to plan. Is --repo the policy repository?`, EXIT.FAILED);
  }
}

export function registerEngine(program: Command): void {
  sourceOptions(
    program
      .command('plan')
      .description('show what the reconciler would do at a revision of the policy repository (the pull-request view); changes nothing')
      .addOption(outputOption(['text', 'json', 'yaml', 'markdown']))
      .addOption(new Option('--format <format>', 'deprecated: use -o/--output').choices(['text', 'json', 'markdown']).hideHelp())
      .option('--max-deletions-per-tick <n>', 'the deletion cap the reconciler will use (default 10% of the inventory, at least 1)')
      .option('--allow-mass-deletion', 'plan as the reconciler would with --allow-mass-deletion', false)
      .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error', false),
    '.',
  ).action(async (o: EngineOpts & { output: Output; format?: Output; detailedExitcode: boolean }, cmd: Command) => {
    const output = o.format ?? o.output;
    // With --detailed-exitcode, 2 means "changes": an error must not look like one.
    const failure = (code: number) => (o.detailedExitcode ? EXIT.FAILED : code);
    try {
      const { readPolicySource } = await import('./policy-source.ts');
      const source = await readPolicySource(requireRepo(o), { dataDir: o.dataDir, ...(o.branch ? { branch: o.branch } : {}) });
      // Unobserved locations are part of the plan's output: no log line needed unless asked for.
      const explicit = cmd.getOptionValueSource('logLevel') === 'cli' || process.env.CAIRN_LOG_LEVEL;
      const config = await toConfig({ ...o, logLevel: explicit ? o.logLevel : 'error' }, source.dir);
      const { planDirectory } = await import('../engine/plan-dir.ts');
      const { plan, unobserved, counts } = await planDirectory(source.dir, source.revision, config);
      assertHasObjects(o.repo!, counts, plan.errors.length);
      const { formatPlan, summarizePlan } = await import('../plan/index.ts');
      if (output === 'json' || output === 'yaml') {
        await printData({ ...JSON.parse(formatPlan(plan, 'json')), unobserved }, output);
      } else {
        const text = formatPlan(plan, output as PlanFormat);
        process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
        // Why a location could not be listed (a missing credential in CI, say) belongs in the view.
        const why = Object.entries(unobserved);
        if (why.length) {
          const bullet = output === 'markdown' ? '- ' : '  ';
          process.stdout.write(`\n${output === 'markdown' ? '**Locations not observed**' : 'Locations not observed:'}\n\n`);
          for (const [loc, reason] of why) process.stdout.write(`${bullet}${reason.startsWith(`location ${loc}`) ? reason : `${loc}: ${reason}`}\n`);
        }
      }
      const summary = summarizePlan(plan);
      process.exitCode = o.detailedExitcode && summary.total > 0 ? 2 : EXIT.OK;
    } catch (err) {
      if (err instanceof CliError) throw new CliError(err.message, failure(err.exitCode));
      throw new CliError((err as Error).message, EXIT.FAILED);
    }
  });

  tuningOptions(
    sourceOptions(program.command('reconcile').description('run one reconcile tick: sync, load, observe, plan, execute, report').option('--once', 'run a single tick and exit (required)', false)),
  ).action(async (o: EngineOpts & { once: boolean }) => {
    if (!o.once) throw new CliError('pass --once for a single tick, or use `cairn run` for the loop');
    const config = await actingConfig(o);
    const { Engine } = await import('../engine/engine.ts');
    const r = await new Engine(config).tick();
    process.stdout.write(`${tickSummary(r)}\n`);
    const failed = r.results.some((a) => a.outcome === 'Failed' || a.outcome === 'FailedValidation');
    process.exitCode = failed ? EXIT.FAILED : EXIT.OK;
  });

  tuningOptions(
    sourceOptions(
      program
        .command('run')
        .description('the long-running reconciler: a tick every interval; SIGTERM stops safely')
        .option('--interval <duration>', 'time between ticks (env CAIRN_INTERVAL)', process.env.CAIRN_INTERVAL ?? '1m')
        .option('--listen <[host:]port>', 'serve the status page, /api/v1, /healthz, /readyz, /metrics, /status and POST /webhook; a bare port binds 127.0.0.1 (env CAIRN_LISTEN)', process.env.CAIRN_LISTEN)
        .option('--webhook-insecure', 'accept POST /webhook without a signature when CAIRN_WEBHOOK_SECRET is not set (trusted networks only)', false),
    ),
  );
  addLeaderElectionOptions(program.commands.find((c) => c.name() === 'run')!).action(async (o: EngineOpts & LeaderElectionFlags & { interval: string; listen?: string; webhookInsecure: boolean }) => {
    const config = await actingConfig(o);
    const { parseDuration } = await import('../schedule/duration.ts');
    let intervalMs: number;
    try {
      intervalMs = parseDuration(o.interval);
    } catch (err) {
      throw new CliError(`--interval: ${(err as Error).message}`);
    }
    if (intervalMs < 1000) throw new CliError(`--interval must be at least 1s, got "${o.interval}"`);
    let election;
    try {
      election = leaderElection(o);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    const { checkListen, runReconciler } = await import('../ha/run.ts');
    try {
      if (o.listen) checkListen(o.listen);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    process.exitCode = await runReconciler({ config, intervalMs, interval: o.interval, ...(o.listen ? { listen: o.listen } : {}), webhookInsecure: o.webhookInsecure, ...(election ? { election } : {}) });
  });

  sourceOptions(
    program
      .command('audit')
      .description("read cairn's status commits back: what happened, when, at which revision")
      .option('--policy <name>', 'only actions of this policy')
      .option('--restore <name>', 'only this restore')
      .option('--limit <n>', 'most commits to read', '100')
      .addOption(outputOption(['table', 'json', 'yaml'])),
  ).action(async (o: EngineOpts & { policy?: string; restore?: string; limit: string; output: Output }) => {
    const limit = positiveInt(o.limit, '--limit') ?? 100;
    const config = await toConfig({ ...o, logLevel: o.logLevel ?? 'warn' }, requireRepo(o));
    const { Engine } = await import('../engine/engine.ts');
    const entries = await new Engine(config).audit({ ...(o.policy ? { policy: o.policy } : {}), ...(o.restore ? { restore: o.restore } : {}), limit });
    if (o.output === 'json' || o.output === 'yaml') await printData(entries, o.output);
    else {
      for (const e of entries) {
        process.stdout.write(`${e.commit.slice(0, 12)}  ${e.date}  ${e.subject}${e.revision ? `  (at ${e.revision.slice(0, 12)})` : ''}\n`);
        for (const a of e.actions) process.stdout.write(`    ${a.verb} ${a.object} ${a.result}\n`);
      }
    }
    if (entries.length === 0) {
      const what = o.policy ? `policy ${o.policy}` : o.restore ? `restore ${o.restore}` : 'this repository';
      throw new CliError(`no cairn status commits found for ${what} in ${o.repo}`, EXIT.FAILED);
    }
  });
}
