// Start-up benchmark (issue 17): how long the shipped CLI (`node bin/cairn.js`, the bundle in
// dist/) takes and how much memory it holds, measured per process as a user or a CI job sees it.
//
//   node -e 0                      Node's own floor
//   cairn --version                (and the same through tsx, as bin/cairn.js ran before dist/)
//   cairn validate <sample repo>   policies/
//   cairn plan                     in a clone of the sample repository, fresh data dir each run
//   cairn run                      RSS once the first tick has finished (/readyz) and 3 s passed,
//                                  and again at 10 s (the engine collects 6 s after a tick ends:
//                                  src/engine/idle-memory.ts); each run against a repository of
//                                  its own, so every first tick backs up as a new user's does
//
// Each command runs RUNS times (default 10; `cairn run` 3 times), one process after another.
// Wall time is taken in this process around each child's whole life (spawn to exit); peak RSS and
// CPU time (user + system) are the child's own, from GNU time (`/usr/bin/time -f '%M %U %S'`).
// Prints median and max.
// Run: `npm run bench -- startup` (builds dist/ first, so it measures the current sources).
import { freePort } from '../src/free-port.ts';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { seedRepository } from '../src/demo/seed.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CAIRN = join(ROOT, 'bin', 'cairn.js');
const RUNS = Number(process.env.RUNS ?? 10);
const RUN_RUNS = Number(process.env.RUN_RUNS ?? 3);
const TIME = '/usr/bin/time';

interface Sample {
  ms: number;
  rssKb: number;
  /** user + system CPU of the child: on a loaded machine, closer to the idle wall time than wall. */
  cpuMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (kb: number) => (kb / 1024).toFixed(0);

/** One process, start to exit, under GNU time for its peak RSS. */
function once(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Sample {
  const out = join(scratch, 'time.txt');
  const t = performance.now();
  const r = spawnSync(TIME, ['-f', '%M %U %S', '-o', out, process.execPath, ...args], { cwd, env, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0 && !allowedExit.has(r.status ?? -1)) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [rssKb, user, sys] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { ms, rssKb, cpuMs: (user + sys) * 1000 };
}
// `cairn plan` exits 0 whatever the plan; nothing here should fail.
const allowedExit = new Set([0]);

function row(what: string, command: string, samples: Sample[]): void {
  const ms = samples.map((s) => s.ms);
  const kb = samples.map((s) => s.rssKb);
  const cpu = samples.map((s) => s.cpuMs);
  console.log(
    `${what.padEnd(30)} wall median ${median(ms).toFixed(0).padStart(5)} ms, max ${Math.max(...ms).toFixed(0).padStart(5)} ms;` +
      ` CPU median ${median(cpu).toFixed(0).padStart(5)} ms, max ${Math.max(...cpu).toFixed(0).padStart(5)} ms;` +
      ` peak RSS median ${mib(median(kb)).padStart(4)} MiB, max ${mib(Math.max(...kb)).padStart(4)} MiB   (${samples.length} runs: ${command})`,
  );
}

function repeat(n: number, f: (i: number) => Sample): Sample[] {
  const xs: Sample[] = [];
  for (let i = 0; i < n; i++) xs.push(f(i));
  return xs;
}


function vm(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} for ${pid}`);
  return Number(m[1]);
}

/** `cairn run` against a freshly seeded repository and the simulator: RSS 3 s and 10 s after the first tick finished. */
async function idleRun(kubeconfig: string, i: number): Promise<{ idleKb: number; settledKb: number; hwmKb: number; readyMs: number }> {
  // A repository of its own: on a repository an earlier run already reported to, the first
  // tick finds its backups missing from this run's fresh data directory and backs up nothing.
  const repoDir = join(scratch, `run-repo-${i}`);
  mkdirSync(repoDir);
  const { bare } = await seedRepository(repoDir, join(ROOT, 'policies'));
  const port = await freePort();
  const data = join(scratch, `run-data-${i}`);
  const env = { ...process.env, PROD_KUBECONFIG: kubeconfig, CAIRN_PASSPHRASE: 'bench passphrase, not a secret', CAIRN_LOG_LEVEL: 'warn' };
  const t = performance.now();
  const child = spawn(process.execPath, [CAIRN, 'run', '--repo', bare, '--data-dir', data, '--interval', '1h', '--listen', `127.0.0.1:${port}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number>((res) => child.once('exit', (code) => res(code ?? 1)));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`cairn run exited ${child.exitCode}: ${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (performance.now() - t > 120_000) throw new Error(`cairn run not ready after 120 s: ${stderr}`);
      await sleep(50);
    }
    const readyMs = performance.now() - t;
    await sleep(3000);
    const idleKb = vm(child.pid!, 'VmRSS');
    await sleep(7000);
    return { idleKb, settledKb: vm(child.pid!, 'VmRSS'), hwmKb: vm(child.pid!, 'VmHWM'), readyMs };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'cairn-startup-bench-'));
try {
  if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed for peak RSS: apt-get install -y time`);
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('node scripts/build.mjs failed');

  // The way bin/cairn.js started before dist/: tsx's loader compiling src/ on every start.
  const viaTsx = join(scratch, 'cairn-via-tsx.mjs');
  writeFileSync(
    viaTsx,
    `import { register } from ${JSON.stringify(pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'api', 'index.mjs')).href)};\n` +
      `register();\nconst { main } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'cli', 'main.ts')).href)});\n` +
      'process.exitCode = await main(process.argv);\n',
  );

  const seeded = await seedRepository(scratch, join(ROOT, 'policies'));
  const sim = spawn(process.execPath, [CAIRN, 'sim', 'serve', '--seed', join(ROOT, 'samples', 'cluster'), '--kubeconfig', join(scratch, 'kubeconfig.yaml')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const simExit = new Promise<void>((res) => sim.once('exit', () => res()));
  try {
    await new Promise<void>((res, rej) => {
      sim.stdout!.on('data', (c: Buffer) => c.toString().includes('kubeconfig written') && res());
      sim.once('exit', (code) => rej(new Error(`cairn sim serve exited ${code}`)));
    });

    console.log(`start-up of the shipped CLI (node ${process.version}, ${new Date().toISOString()}); medians and maxima of separate processes`);
    row('node -e 0 (floor)', 'node -e 0', repeat(RUNS, () => once(['-e', '0'], ROOT)));
    row('cairn --version (tsx, before)', 'tsx loader + src/cli/main.ts --version', repeat(RUNS, () => once([viaTsx, '--version'], ROOT)));
    row('cairn --version', 'node bin/cairn.js --version', repeat(RUNS, () => once([CAIRN, '--version'], ROOT)));
    row('cairn --help', 'node bin/cairn.js --help', repeat(RUNS, () => once([CAIRN, '--help'], ROOT)));
    row('cairn validate', 'node bin/cairn.js validate policies', repeat(RUNS, () => once([CAIRN, 'validate', 'policies'], ROOT)));
    row(
      'cairn plan',
      'cairn plan --data-dir <fresh> in a clone of the sample repo',
      repeat(RUNS, (i) => once([CAIRN, 'plan', '--data-dir', join(scratch, `plan-data-${i}`)], seeded.human, { ...process.env, CAIRN_LOG_LEVEL: 'error' })),
    );

    const runs = [];
    for (let i = 0; i < RUN_RUNS; i++) runs.push(await idleRun(join(scratch, 'kubeconfig.yaml'), i));
    const idle = runs.map((r) => r.idleKb);
    const settled = runs.map((r) => r.settledKb);
    const hwm = runs.map((r) => r.hwmKb);
    const ready = runs.map((r) => r.readyMs);
    console.log(
      `${'cairn run, idle'.padEnd(30)} RSS 10 s after the first tick: median ${mib(median(settled))} MiB, max ${mib(Math.max(...settled))} MiB` +
        ` (3 s after: median ${mib(median(idle))} MiB, max ${mib(Math.max(...idle))} MiB);` +
        ` peak during start-up and tick median ${mib(median(hwm))} MiB; ready after median ${median(ready).toFixed(0)} ms` +
        `   (${RUN_RUNS} runs: cairn run --repo <bare seeded from policies/, one each> --listen, simulator cluster)`,
    );
  } finally {
    sim.kill('SIGTERM');
    await simExit;
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
