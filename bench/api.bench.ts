// Read API under load (issue 19): "a thousand requests a second must not slow the ticks".
// One engine with 200 policies x 20 backups (filesystem location, real bare Git repository),
// served in-process as `cairn run --listen` does. A load generator in its own process sends
// 1,000 requests/s (keep-alive, 16 connections) alternating /api/v1/backups?limit=100,
// /api/v1/policies, /api/v1/backups/<name> and /api/v1/events. Steady ticks are timed in pairs,
// without and with the load, and the ratio is reported with the achieved rate and latencies.
// Run alone with `node bin/run-ts.js bench/api.bench.ts`, or `npm run bench -- api`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { BackupLocation } from '../src/api/types.ts';
import { engineConfig } from '../src/engine/config.ts';
import { Engine } from '../src/engine/engine.ts';
import { startServer, ServerState } from '../src/server/http.ts';
import { FORMAT_VERSION, layout, openLocation, type BackupManifest } from '../src/storage/index.ts';
import { makeRemote } from '../test/git/helpers.ts';

const POLICIES = 200;
const BACKUPS_PER_POLICY = 20;
const PAIRS = 8;
const RATE = 1000;
const NOW = new Date('2026-11-21T12:00:00Z');
const DAY_MS = 86_400_000;
const TODAY = Date.parse('2026-11-21T00:00:00Z');
const policyName = (i: number) => `p${String(i).padStart(4, '0')}`;
const slotName = (policy: string, ms: number) => `${policy}-${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function manifest(policy: string, slotMs: number): BackupManifest {
  const artifact = (file: string) => ({ file, sha256: '0'.repeat(64), size: 1024 });
  return {
    formatVersion: FORMAT_VERSION,
    name: slotName(policy, slotMs),
    phase: 'Completed',
    policy,
    location: 'bench',
    scheduledTime: iso(slotMs),
    startTimestamp: iso(slotMs + 1000),
    completionTimestamp: iso(slotMs + 5000),
    cluster: { name: 'default', serverVersion: 'v1.30.0' },
    engineVersion: 'bench',
    resources: ['configmaps'],
    itemCounts: { configmaps: 12 },
    totalItems: 12,
    warnings: [],
    errors: [],
    artifacts: { resources: artifact('resources.tar.gz'), index: artifact('index.json.gz'), log: artifact('log.jsonl.gz') },
  };
}

// The load generator: paced at RATE/s over keep-alive connections; prints a JSON summary on SIGTERM.
const LOADER = `
const http = require('node:http');
const [port, rate, paths] = [Number(process.argv[1]), Number(process.argv[2]), JSON.parse(process.argv[3])];
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const lat = []; let sent = 0, ok = 0, bad = 0; const start = performance.now();
function one() {
  const t = performance.now(); const path = paths[sent++ % paths.length];
  http.get({ host: '127.0.0.1', port, path, agent }, (res) => { res.resume(); res.on('end', () => { (res.statusCode === 200 ? ok++ : bad++); lat.push(performance.now() - t); }); }).on('error', () => bad++);
}
const timer = setInterval(() => { const due = Math.floor(((performance.now() - start) / 1000) * rate); while (sent < due) one(); }, 5);
process.on('SIGTERM', () => { clearInterval(timer); const s = lat.sort((a, b) => a - b); const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  process.stdout.write(JSON.stringify({ seconds: (performance.now() - start) / 1000, ok, bad, p50: q(0.5), p99: q(0.99) })); process.exit(0); });
`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const root = mkdtempSync(join(tmpdir(), 'cairn-api-bench-'));
try {
  const dataDir = join(root, 'data');
  const location: BackupLocation = { apiVersion: 'cairn.dev/v1alpha1', kind: 'BackupLocation', metadata: { name: 'bench' }, spec: { default: true, provider: 'filesystem', filesystem: { path: 'backups' } }, source: { file: 'locations/bench.yaml', line: 1, col: 1 } };
  const store = await openLocation(location, { baseDir: dataDir });
  const limit = pLimit(64);
  const writes: Promise<void>[] = [];
  for (let i = 0; i < POLICIES; i++) for (let d = 0; d < BACKUPS_PER_POLICY; d++) {
    const m = manifest(policyName(i), TODAY - d * DAY_MS);
    writes.push(limit(() => store.objects.put(layout.manifest(m.name), Buffer.from(JSON.stringify(m)))));
  }
  await Promise.all(writes);
  const files: Record<string, string> = { 'locations/bench.yaml': 'apiVersion: cairn.dev/v1alpha1\nkind: BackupLocation\nmetadata: {name: bench}\nspec: {default: true, provider: filesystem, filesystem: {path: backups}}\n' };
  for (let i = 0; i < POLICIES; i++) files[`policies/${policyName(i)}.yaml`] = `apiVersion: cairn.dev/v1alpha1\nkind: BackupPolicy\nmetadata: {name: ${policyName(i)}}\nspec:\n  schedule: "@daily"\n  keep: ${BACKUPS_PER_POLICY}\n  includedNamespaces: [${policyName(i)}]\n`;
  const remote = makeRemote(root, files, { name: 'bench' });

  const engine = new Engine(engineConfig({ repoUrl: remote.bare, dataDir, now: () => NOW }));
  const state = new ServerState(engine);
  state.recordTick(await engine.tick());
  await state.refreshCommits();
  const server = await startServer({ listen: '127.0.0.1:0', state, auth: {}, onWebhook: () => {} });
  const port = (server.address() as { port: number }).port;
  const paths = ['/api/v1/backups?limit=100', '/api/v1/policies', `/api/v1/backups/${slotName(policyName(7), TODAY)}`, '/api/v1/events', '/api/v1/backups?policy=p0100'];

  const tickMs = async () => {
    const t = performance.now();
    const r = await engine.tick();
    state.recordTick(r);
    if (r.results.length || r.commit) throw new Error('the tick was not steady');
    return performance.now() - t;
  };
  await tickMs(); // the first steady tick renders the status once more; later ones skip it
  const quiet: number[] = [];
  const loaded: number[] = [];
  const loads: { seconds: number; ok: number; bad: number; p50: number; p99: number }[] = [];
  for (let i = 0; i < PAIRS; i++) {
    quiet.push(await tickMs());
    const loader = spawn(process.execPath, ['-e', LOADER, String(port), String(RATE), JSON.stringify(paths)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    loader.stdout.on('data', (d) => (out += d));
    await new Promise((r) => setTimeout(r, 1000)); // the load is running at its rate
    loaded.push(await tickMs());
    await new Promise((r) => setTimeout(r, 500));
    loader.kill('SIGTERM');
    await new Promise((r) => loader.on('exit', r));
    loads.push(JSON.parse(out));
  }
  // Load alone, no tick: this process's CPU per answered request, and how long one request can
  // hold the event loop (which the tick shares).
  const alone = spawn(process.execPath, ['-e', LOADER, String(port), String(RATE), JSON.stringify(paths)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let aloneOut = '';
  alone.stdout.on('data', (d) => (aloneOut += d));
  await new Promise((r) => setTimeout(r, 500));
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, 4000));
  const cpu = process.cpuUsage(cpu0);
  delay.disable();
  alone.kill('SIGTERM');
  await new Promise((r) => alone.on('exit', r));
  const aloneLoad = JSON.parse(aloneOut) as { seconds: number; ok: number };
  const served = (aloneLoad.ok * 4) / aloneLoad.seconds; // requests answered in the 4 s window, approximately
  server.close();
  const reqs = loads.reduce((a, l) => a + l.ok, 0);
  const secs = loads.reduce((a, l) => a + l.seconds, 0);
  console.log(`inventory: ${POLICIES} policies x ${BACKUPS_PER_POLICY} backups; ${PAIRS} pairs of steady ticks`);
  console.log(`steady tick without load: median ${median(quiet).toFixed(0)} ms (${quiet.map((x) => x.toFixed(0)).join(' ')})`);
  console.log(`steady tick under load:    median ${median(loaded).toFixed(0)} ms (${loaded.map((x) => x.toFixed(0)).join(' ')})`);
  console.log(`ratio loaded/quiet: ${(median(loaded) / median(quiet)).toFixed(2)} x`);
  console.log(`load: ${(reqs / secs).toFixed(0)} req/s achieved (target ${RATE}), ${loads.reduce((a, l) => a + l.bad, 0)} errors, latency median of p50 ${median(loads.map((l) => l.p50)).toFixed(1)} ms, of p99 ${median(loads.map((l) => l.p99)).toFixed(1)} ms`);
  console.log(`load alone (4 s): ${(aloneLoad.ok / aloneLoad.seconds).toFixed(0)} req/s; server CPU ${((cpu.user + cpu.system) / 1000 / served).toFixed(2)} ms per request (${((cpu.user + cpu.system) / 1e6 / 4 * 100).toFixed(0)}% of a core); event-loop delay p50 ${(delay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
