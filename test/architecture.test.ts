// The direction of dependencies (ARCHITECTURE.md), checked over the import statements of src/:
// the pure core imports no adapter, no application module and no I/O; a CLI command reaches
// adapters only through the application functions the engine also uses; the simulator (a test
// server) is started only by its own command and the demo. A small scan of import lines is
// enough here: every import in src/ is a static or dynamic import of a string literal.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** The rooms of src/ (ARCHITECTURE.md). */
const CORE = ['api', 'match', 'schedule', 'plan', 'modifiers'];
const ADAPTERS = ['storage', 'cluster', 'git', 'server', 'etcd'];
const APPLICATION = ['backup', 'restore', 'engine', 'demo', 'ha'];
/** The Kubernetes API simulator: a test server, part of no adapter (ARCHITECTURE.md). */
const TEST_SERVER = 'sim';
/** Node built-ins that do I/O; the core may use node:crypto (hashing) and pure helpers only. */
const IO_BUILTINS = /^node:(fs|fs\/promises|net|http|https|child_process|dgram|dns|tls|worker_threads)$/;

const HEAVY_PACKAGES = ['@kubernetes/client-node', 'minio', 'simple-git', 'prom-client', 'etcd3'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

interface Edge {
  from: string; // "plan/plan.ts"
  to: string; // "storage/types.ts", or a package name
  room: string; // the room imported ("storage"), or the package
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const from = relative(SRC, file);
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]);
  return specs.map((spec) => {
    if (!spec.startsWith('.')) return { from, to: spec, room: spec };
    const to = relative(SRC, resolve(dirname(file), spec));
    return { from, to, room: to.split('/')[0] };
  });
}

const edges = files(SRC).flatMap(importsOf);
const roomOf = (path: string) => path.split('/')[0];
const key = (e: Edge) => `${e.from} → ${e.to}`;

describe('dependency direction', () => {
  it('finds the import statements it checks (the scan itself works)', () => {
    expect(edges.some((e) => e.from === 'plan/plan.ts' && e.room === 'schedule')).toBe(true);
    expect(edges.some((e) => e.from.startsWith('cli/') && e.room === 'commander')).toBe(true);
  });

  it('the core imports no adapter, no application module, no CLI, not the simulator', () => {
    const bad = edges.filter((e) => CORE.includes(roomOf(e.from)) && [...ADAPTERS, ...APPLICATION, 'cli', TEST_SERVER].includes(e.room)).map(key);
    expect(bad).toEqual([]);
  });

  it('the core does no I/O and loads no heavy client', () => {
    const bad = edges.filter((e) => CORE.includes(roomOf(e.from)) && (IO_BUILTINS.test(e.to) || HEAVY_PACKAGES.includes(e.to))).map(key);
    // The loader reads the policy repository's files and schema.ts the bundled JSON Schemas:
    // the one I/O the api room owns, reading its own inputs.
    const reads = ['api/loader.ts', 'api/yaml-source.ts', 'api/schema.ts'];
    expect(bad.filter((k) => !reads.some((r) => k.startsWith(`${r} `)))).toEqual([]);
  });

  it('driven adapters (storage, cluster, git, etcd) import neither the application nor the CLI', () => {
    // The server is a driving adapter, like the CLI: it may ask the engine for its state.
    const driven = ['storage', 'cluster', 'git', 'etcd'];
    const bad = edges.filter((e) => driven.includes(roomOf(e.from)) && [...APPLICATION, 'cli', 'server'].includes(e.room)).map(key);
    expect(bad).toEqual([]);
  });

  it('a CLI command reaches adapters only through application functions', () => {
    const bad = edges.filter((e) => roomOf(e.from) === 'cli' && (ADAPTERS.includes(e.room) || HEAVY_PACKAGES.includes(e.to))).map(key);
    expect(bad).toEqual([]);
  });

  it('the simulator is started only by its own command (cairn sim serve) and the demo', () => {
    // `cairn sim serve` is the simulator's front door, as the HTTP server is the engine's: it
    // parses flags, starts the simulator and prints where it listens. There is no application
    // step between (no engine, no storage, no policy): routing it through one would be a pass-through.
    // Nothing else in src/ may reach the test server, so no production path can depend on it.
    const users = new Set(edges.filter((e) => e.room === TEST_SERVER && roomOf(e.from) !== TEST_SERVER).map((e) => e.from));
    expect([...users].filter((f) => f !== 'cli/sim.ts' && roomOf(f) !== 'demo')).toEqual([]);
    expect(users.has('cli/sim.ts'), 'the scan sees cli/sim.ts import the simulator').toBe(true);
  });
});

describe('dead code', () => {
  // knip (knip.json) follows every import from the CLI's entry point, dynamic ones included, and
  // reports a file of src/ nothing reaches or an export nothing imports. --production leaves the
  // tests out: an export only tests use is dead unless it says `@internal` (a test's handle).
  it('no file or export in src/ that the program never uses', () => {
    const r = spawnSync(process.execPath, [join(SRC, '../node_modules/knip/bin/knip.js'), '--production', '--no-progress'], { cwd: join(SRC, '..'), encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);
});
