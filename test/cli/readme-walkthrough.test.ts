// Issue 21, item 7: README's walkthrough runs as a test, so README cannot drift from the CLI.
// Every ```sh walkthrough block of README.md runs, in order, in one temporary directory with
// a fresh HOME whose ~/.kube/config is the API simulator (seeded from samples/cluster), `cairn`
// being this checkout's CLI and /path/to/cairn this checkout. Each block must exit 0; a
// ```text walkthrough-output block right after one is its exact stdout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import { BIN, ROOT } from './helpers.ts';

interface Step {
  line: number;
  script: string;
  output?: string;
}

/** The walkthrough blocks of a Markdown text, with the expected output that follows each. */
export function walkthroughSteps(markdown: string): Step[] {
  const steps: Step[] = [];
  const fence = /^```(\S*)(?: (\S+))?\n([\s\S]*?)^```\n/gm;
  let m: RegExpExecArray | null;
  while ((m = fence.exec(markdown))) {
    const line = markdown.slice(0, m.index).split('\n').length;
    if (m[2] === 'walkthrough') steps.push({ line, script: m[3] });
    else if (m[2] === 'walkthrough-output') {
      const last = steps.at(-1);
      if (!last || last.output !== undefined) throw new Error(`README.md:${line}: walkthrough-output without a walkthrough block before it`);
      last.output = m[3];
    }
  }
  return steps;
}

function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((done) => child.on('exit', (status) => done({ status, stdout, stderr })));
}

let sim: Simulator;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-readme-'));
  sim = await startSimulator({ seedDir: join(ROOT, 'samples/cluster') });
  mkdirSync(join(root, 'home', '.kube'), { recursive: true });
  await sim.writeKubeconfig(join(root, 'home', '.kube', 'config'));
  mkdirSync(join(root, 'work'));
});

afterAll(async () => {
  await sim?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("README's walkthrough", () => {
  const steps = walkthroughSteps(readFileSync(join(ROOT, 'README.md'), 'utf8'));

  it('has the steps a newcomer follows', () => {
    expect(steps.length).toBeGreaterThanOrEqual(4);
    expect(steps.map((s) => s.script).join('')).toMatch(/cairn reconcile --once/);
  });

  it('runs as written, block by block', async () => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: join(root, 'home'),
      GIT_AUTHOR_NAME: 'New User',
      GIT_AUTHOR_EMAIL: 'new@example.com',
      GIT_COMMITTER_NAME: 'New User',
      GIT_COMMITTER_EMAIL: 'new@example.com',
      GIT_CONFIG_NOSYSTEM: '1',
    };
    const state = join(root, 'state.sh');
    writeFileSync(state, `cd ${JSON.stringify(join(root, 'work'))}\n`);
    const prelude = `set -euo pipefail\ncairn() { ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"; }\nsource ${JSON.stringify(state)}\n`;
    const epilogue = `\n{ export -p; printf 'cd %q\\n' "$PWD"; } > ${JSON.stringify(state)}\n`;
    const outputs: string[] = [];
    for (const step of steps) {
      const script = step.script.split('/path/to/cairn').join(ROOT);
      // Asynchronously: the simulator answers from this process.
      const r = await bash(prelude + script + epilogue, env);
      const where = `README.md:${step.line}:\n${step.script}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
      expect(r.status, where).toBe(0);
      if (step.output !== undefined) expect(r.stdout, where).toBe(step.output);
      outputs.push(r.stdout);
    }
    // What the walkthrough promises along the way.
    const all = outputs.join('\n');
    expect(all).toMatch(/^ {2}backup kcm-\d{14} Completed/m);
    expect(all).toMatch(/^ {2}restore rollback-release Completed/m);
    expect(all).toMatch(/^rollback-release\s+Completed\s+kcm-\d{14}/m);
    expect(sim.stats.writes).toBeGreaterThan(0); // the restore it adds on purpose, and only that
  }, 300_000);
});
