// Reconciler benchmark (issue 5): the steady tick — nothing due, nothing beyond retention — with
// 1,000 policies and 20 backups each in a filesystem location, on a real bare Git repository.
// Reports the first tick, median/p95 of the steady ticks, peak RSS, and a full inventory re-list.
// Run alone with `node bin/run-ts.js bench/tick.bench.ts`, or with the others via `npm run bench`.
// TICK_IDLE=1: what `cairn run`'s idle collection (src/engine/idle-memory.ts) costs the next tick.
// Each steady tick then follows an idle pause as long as the collection's delay; before every
// other tick the engine's collector runs in that pause (young-generation gc as the tick before
// ended, full gc after the delay, V8 shrinking its young generation), before the others it does
// not. Medians of both groups are printed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { BackupLocation } from '../src/api/types.ts';
import { engineConfig } from '../src/engine/config.ts';
import { Engine } from '../src/engine/engine.ts';
import { IDLE_COLLECT_MS, IdleCollector } from '../src/engine/idle-memory.ts';
import { FORMAT_VERSION, layout, openLocation, type BackupManifest } from '../src/storage/index.ts';
import { makeRemote } from '../test/git/helpers.ts';

const POLICIES = 1000;
const BACKUPS_PER_POLICY = 20;
const STEADY_TICKS = 12;
// @daily with keep 20 and 20 daily backups up to today's slot: nothing due, nothing to expire.
const NOW = new Date('2026-11-21T12:00:00Z');
const DAY_MS = 86_400_000;
const TODAY = Date.parse('2026-11-21T00:00:00Z');

const LOCATION_YAML = `apiVersion: cairn.dev/v1alpha1
kind: BackupLocation
metadata: {name: bench}
spec:
  default: true
  provider: filesystem
  filesystem: {path: backups}
`;

const policyName = (i: number) => `p${String(i).padStart(4, '0')}`;

function policyYaml(name: string): string {
  return `apiVersion: cairn.dev/v1alpha1
kind: BackupPolicy
metadata: {name: ${name}}
spec:
  schedule: "@daily"
  keep: ${BACKUPS_PER_POLICY}
  gracePeriod: 24h
  includedNamespaces: [${name}]
`;
}

function slotName(policy: string, slotMs: number): string {
  return `${policy}-${new Date(slotMs).toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
}

function manifest(policy: string, slotMs: number): BackupManifest {
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const artifact = (file: string) => ({ file, sha256: '0'.repeat(64), size: 1024 });
  return {
    formatVersion: FORMAT_VERSION,
    name: slotName(policy, slotMs),
    phase: 'Completed',
    policy,
    location: 'bench',
    gitRevision: '0'.repeat(40),
    scheduledTime: iso(slotMs),
    startTimestamp: iso(slotMs + 1000),
    completionTimestamp: iso(slotMs + 5000),
    cluster: { name: 'default', serverVersion: 'v1.30.0' },
    engineVersion: 'bench',
    resources: ['configmaps', 'deployments.apps'],
    itemCounts: { configmaps: 12, 'deployments.apps': 3 },
    totalItems: 15,
    warnings: [],
    errors: [],
    artifacts: { resources: artifact('resources.tar.gz'), index: artifact('index.json.gz'), log: artifact('log.jsonl.gz') },
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const millis = (ms: number) => `${ms.toFixed(0)} ms`;
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const root = mkdtempSync(join(tmpdir(), 'cairn-tick-bench-'));
try {
  const dataDir = join(root, 'data');
  const location: BackupLocation = {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'BackupLocation',
    metadata: { name: 'bench' },
    spec: { default: true, provider: 'filesystem', filesystem: { path: 'backups' } },
    source: { file: 'locations/bench.yaml', line: 1, col: 1 },
  };
  const store = await openLocation(location, { baseDir: dataDir });

  // Inventory: 20,000 manifests written through the storage module, in parallel.
  let t = performance.now();
  const limit = pLimit(64);
  const writes: Promise<void>[] = [];
  for (let i = 0; i < POLICIES; i++) {
    for (let d = 0; d < BACKUPS_PER_POLICY; d++) {
      const m = manifest(policyName(i), TODAY - d * DAY_MS);
      writes.push(limit(() => store.objects.put(layout.manifest(m.name), Buffer.from(JSON.stringify(m)))));
    }
  }
  await Promise.all(writes);
  const seedMs = performance.now() - t;

  const files: Record<string, string> = { 'locations/bench.yaml': LOCATION_YAML };
  for (let i = 0; i < POLICIES; i++) files[`policies/${policyName(i)}.yaml`] = policyYaml(policyName(i));
  const remote = makeRemote(root, files, { name: 'bench' });

  const engine = new Engine(engineConfig({ repoUrl: remote.bare, dataDir, now: () => NOW }));
  t = performance.now();
  const first = await engine.tick();
  const firstMs = performance.now() - t;
  if (first.results.length !== 0) throw new Error(`the first tick should only report, but ran ${first.results.length} action(s): ${first.results[0].action.reason}`);
  if (!first.commit || first.changedFiles.length < POLICIES) throw new Error(`the first tick should commit ${POLICIES} status files, committed ${first.changedFiles.length}`);

  // Wall time, and this process's CPU time (the machine is shared; git's child processes excluded).
  const steady: number[] = [];
  const steadyCpu: number[] = [];
  const IDLE = process.env.TICK_IDLE === '1';
  const afterCollection: number[] = [];
  const withoutCollection: number[] = [];
  for (let i = 0; i < STEADY_TICKS; i++) {
    if (IDLE) {
      const idle = i % 2 === 1 ? new IdleCollector() : undefined;
      idle?.tickStarted();
      idle?.tickEnded(); // as RunLoop does when the previous tick ends
      await new Promise((r) => setTimeout(r, IDLE_COLLECT_MS + 500));
      if (idle && idle.collections !== 1) throw new Error('the idle collection did not run');
    }
    t = performance.now();
    const cpu = process.cpuUsage();
    const r = await engine.tick();
    steady.push(performance.now() - t);
    if (IDLE) (i % 2 === 1 ? afterCollection : withoutCollection).push(performance.now() - t);
    const used = process.cpuUsage(cpu);
    steadyCpu.push((used.user + used.system) / 1000);
    if (r.results.length || r.commit || r.plan.actions.length) throw new Error(`steady tick ${i + 1} was not steady: ${r.plan.actions.length} action(s), commit ${r.commit ?? 'none'}`);
  }
  const sorted = [...steady].sort((a, b) => a - b);
  const sortedCpu = [...steadyCpu].sort((a, b) => a - b);

  t = performance.now();
  const inv = await store.listInventory();
  const relistMs = performance.now() - t;
  if (inv.backups.length !== POLICIES * BACKUPS_PER_POLICY) throw new Error(`re-list found ${inv.backups.length} backups`);

  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  console.log(`inventory: ${POLICIES} policies x ${BACKUPS_PER_POLICY} backups = ${inv.backups.length} manifests, seeded in ${seconds(seedMs)}`);
  console.log(`first tick (full list, ${POLICIES} status files committed): ${seconds(firstMs)}`);
  console.log(`steady tick x${STEADY_TICKS}: median ${millis(percentile(sorted, 50))}, p95 ${millis(percentile(sorted, 95))}, min ${millis(sorted[0])}, max ${millis(sorted.at(-1)!)}  (target <= 200 ms)`);
  console.log(`steady tick CPU (this process): median ${millis(percentile(sortedCpu, 50))}, p95 ${millis(percentile(sortedCpu, 95))}`);
  if (IDLE) {
    const med = (xs: number[]) => millis(percentile([...xs].sort((a, b) => a - b), 50));
    console.log(`steady tick after an idle pause: with the idle collection before it median ${med(afterCollection)} (${afterCollection.map(Math.round).join(' ')}), without ${med(withoutCollection)} (${withoutCollection.map(Math.round).join(' ')}) ms`);
  }
  // The first steady tick builds the status once more to find it unchanged; later ones skip it.
  console.log(`steady ticks in order (wall ms): ${steady.map((ms) => ms.toFixed(0)).join(' ')}`);
  console.log(`full inventory re-list (BackupStore.listInventory, ${inv.backups.length} backups): ${seconds(relistMs)}  (target <= 5 s)`);
  console.log(`peak RSS: ${maxRssMiB.toFixed(0)} MiB`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
