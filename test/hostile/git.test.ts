// Hostile Git states (issue 16 items 7 and 8): a leftover .git/index.lock from a crash mid-commit,
// and status pushes that fail, whose actions must still each reach exactly one pushed commit.
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { engineConfig } from '../../src/engine/config.ts';
import { Engine } from '../../src/engine/engine.ts';
import { openPolicyRepo } from '../../src/git/repo.ts';
import { git, humanCommit, makeRemote, tempRoot } from '../git/helpers.ts';
import { LOCAL_LOCATION, useSampleCluster } from '../engine/fixtures.ts';

let root: string;
let kubeconfig: string;
useSampleCluster((c) => ({ root, kubeconfig } = c));

function capture() {
  const lines: { msg: string; [k: string]: unknown }[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (c, _e, done) => (lines.push(JSON.parse(String(c))), done()) }));
  return { lines, logger };
}

describe('a leftover .git/index.lock', () => {
  it('is removed when no live process holds it, with a log line, and the tick goes on', async () => {
    const t = tempRoot();
    try {
      const remote = makeRemote(t.root, { 'policies/a.yaml': 'kind: BackupPolicy\n' });
      const { lines, logger } = capture();
      const repo = await openPolicyRepo({ url: remote.bare, workdir: join(t.root, 'clone'), logger });
      await repo.sync();
      // A crash mid-commit leaves the lock behind.
      const lock = join(repo.dir, '.git', 'index.lock');
      writeFileSync(lock, '');
      humanCommit(remote, { 'policies/b.yaml': 'kind: BackupPolicy\n' }, 'add b');
      await repo.sync();
      const res = await repo.commitStatus({ files: { 'status/policies/a.yaml': 'phase: Ready\n' }, subject: 'cairn: status', body: [], trailers: [] });
      expect(res.pushed).toBe(true);
      expect(existsSync(lock)).toBe(false);
      expect(lines.some((l) => /index\.lock/.test(l.msg) && l.level === 40)).toBe(true);
    } finally {
      t.cleanup();
    }
  });

  it('is left alone while a live git process in the clone may hold it', async () => {
    const t = tempRoot();
    try {
      const remote = makeRemote(t.root, { 'policies/a.yaml': 'kind: BackupPolicy\n' });
      const repo = await openPolicyRepo({ url: remote.bare, workdir: join(t.root, 'clone') });
      await repo.sync();
      const lock = join(repo.dir, '.git', 'index.lock');
      writeFileSync(lock, '');
      // A process that has the lock open (as git does while it writes the index).
      const { spawn } = await import('node:child_process');
      const holder = spawn('sh', ['-c', 'exec 3<"$0"; sleep 30', lock], { stdio: 'ignore' });
      try {
        await new Promise((r) => setTimeout(r, 300));
        const err = await repo.commitStatus({ files: { 'status/policies/a.yaml': 'phase: Ready\n' }, subject: 's', body: [], trailers: [] }).catch((e: unknown) => e);
        expect(String((err as Error).message)).toMatch(/index\.lock/);
        expect(existsSync(lock)).toBe(true);
      } finally {
        holder.kill();
      }
    } finally {
      t.cleanup();
    }
  });
});

describe('actions of a tick whose status push failed', () => {
  it('are carried into the next pushed commit: every action appears in exactly one pushed commit', async () => {
    const policy = `apiVersion: cairn.dev/v1alpha1
kind: BackupPolicy
metadata: {name: teams}
spec:
  schedule: "@every 20m"
  keep: 5
  includedNamespaces: [team-a]
`;
    const remote = makeRemote(root, { 'locations/local.yaml': LOCAL_LOCATION, 'policies/teams.yaml': policy }, { name: 'carry' });
    let now = new Date('2026-11-21T06:00:00Z');
    const engine = new Engine(engineConfig({ repoUrl: remote.bare, dataDir: join(root, 'carry-data'), kubeconfig, now: () => now }));
    // The remote refuses every push for a while.
    const hook = join(remote.bare, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "push refused for the test" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const first = await engine.tick().catch((e: unknown) => e);
    expect(String((first as Error).message ?? first)).toMatch(/refused|declined/);
    now = new Date('2026-11-21T06:20:00Z');
    await engine.tick().catch(() => undefined);
    rmSync(hook);
    now = new Date('2026-11-21T06:25:00Z'); // nothing new is due
    await engine.tick();
    const trailers = git(remote.bare, 'log', '--format=%(trailers:key=Cairn-Action,valueonly)').split('\n').filter((l) => l.trim() !== '');
    expect(trailers.sort()).toEqual(['backup teams-20261121060000 Completed', 'backup teams-20261121062000 Completed']);
  });
});
