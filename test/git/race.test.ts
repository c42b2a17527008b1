// Human commits landing on the remote while cairn is between sync and push: nothing may be lost,
// history stays linear, and cairn never force-pushes (proved from the remote's reflog).
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitError, openPolicyRepo, type StatusChange } from '../../src/git/index.ts';
import { git, head, humanCommit, isAncestor, makeRemote, nonFastForwards, tempRoot, type Remote } from './helpers.ts';

let t: ReturnType<typeof tempRoot>;
let n = 0;
beforeAll(() => {
  t = tempRoot();
});
afterAll(() => t.cleanup());

const FAST = { attempts: 5, baseDelayMs: 5, maxDelayMs: 20 };

async function setup(pushRetry = FAST) {
  const name = `race${++n}`;
  const remote = makeRemote(t.root, { 'policies/kcm.yaml': 'kind: BackupPolicy\n' }, { name });
  const repo = await openPolicyRepo({ url: remote.bare, workdir: join(t.root, `${name}-cairn`), pushRetry });
  return { remote, repo };
}

function status(file: string, content: string, action: string): StatusChange {
  return { files: { [file]: content }, subject: 'cairn: 1 backup completed', body: [action], trailers: [['Cairn-Action', action]] };
}

/**
 * A pre-push hook in cairn's clone that, on each of its first `races` runs, makes the human push a
 * commit — after cairn fetched and while its push is already under way.
 */
function raceOnPush(repoDir: string, remote: Remote, races: number): void {
  const counter = join(repoDir, '.git', 'race-count');
  const hook = join(repoDir, '.git', 'hooks', 'pre-push');
  writeFileSync(
    hook,
    [
      '#!/bin/sh',
      'unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE',
      `n=$(cat '${counter}' 2>/dev/null || echo 0)`,
      `if [ "$n" -lt ${races} ]; then`,
      `  echo $((n + 1)) > '${counter}'`,
      `  cd '${remote.human}' || exit 1`,
      '  git pull -q --rebase origin main >/dev/null 2>&1',
      '  echo "race $n" > "policies/race-$n.yaml"',
      '  git add -A && git -c user.name=Racer -c user.email=racer@example.com commit -q -m "human race $n" && git push -q origin HEAD:main',
      'fi',
      'exit 0',
      '',
    ].join('\n'),
  );
  chmodSync(hook, 0o755);
}

function assertLinearAndNeverForced(remote: Remote): void {
  expect(git(remote.bare, 'rev-list', '--merges', 'main').trim()).toBe('');
  expect(nonFastForwards(remote.bare)).toEqual([]);
}

describe('push race', () => {
  it('rebases onto a human commit pushed between sync and push; both land, linear, no force push', async () => {
    const { remote, repo } = await setup();
    const { revision } = await repo.sync();
    const human = humanCommit(remote, { 'policies/web.yaml': 'kind: BackupPolicy\n' }, 'add web while cairn works');

    const res = await repo.commitStatus(status('status/policies/kcm.yaml', 'phase: Ready\n', 'backup kcm-20261121060000 Completed'));
    expect(res.pushed).toBe(true);
    expect(res.attempts).toBe(2);
    expect(res.commit).toBe(head(remote.bare));
    expect(git(remote.bare, 'rev-parse', `${res.commit}~1`).trim()).toBe(human);
    expect(isAncestor(remote.bare, revision, res.commit!)).toBe(true);
    expect(git(remote.bare, 'show', 'main:policies/web.yaml')).toBe('kind: BackupPolicy\n');
    expect(git(remote.bare, 'show', 'main:status/policies/kcm.yaml')).toBe('phase: Ready\n');
    assertLinearAndNeverForced(remote);
    expect(git(repo.dir, 'status', '--porcelain')).toBe('');
  });

  it('survives humans pushing during its push (inside the push, via a hook) on several attempts', async () => {
    const { remote, repo } = await setup();
    await repo.sync();
    raceOnPush(repo.dir, remote, 2);
    const res = await repo.commitStatus(status('status/policies/kcm.yaml', 'phase: Ready\n', 'backup kcm-20261121060000 Completed'));
    expect(res.pushed).toBe(true);
    expect(res.attempts).toBe(3);
    const files = git(remote.bare, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['policies/race-0.yaml', 'policies/race-1.yaml', 'status/policies/kcm.yaml']));
    expect(git(remote.bare, 'log', '--format=%s', 'main').trim().split('\n')).toEqual([
      'cairn: 1 backup completed [skip ci]',
      'human race 1',
      'human race 0',
      'seed the policy repository',
    ]);
    assertLinearAndNeverForced(remote);
  });

  it('gives up after its attempts with git.push-rejected, losing nothing and leaving the clone clean', async () => {
    const { remote, repo } = await setup({ attempts: 3, baseDelayMs: 5, maxDelayMs: 20 });
    await repo.sync();
    raceOnPush(repo.dir, remote, 100);
    const err = await repo.commitStatus(status('status/policies/kcm.yaml', 'phase: Ready\n', 'backup kcm-20261121060000 Completed')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).code).toBe('git.push-rejected');
    expect((err as GitError).message).toMatch(/3 times.*next tick/);
    expect(git(remote.bare, 'log', '--format=%s', 'main').trim().split('\n')).toEqual(['human race 2', 'human race 1', 'human race 0', 'seed the policy repository']);
    expect(git(repo.dir, 'status', '--porcelain')).toBe('');
    expect(git(repo.dir, 'rev-parse', 'HEAD').trim()).toBe(git(repo.dir, 'rev-parse', 'refs/remotes/origin/main').trim());
    assertLinearAndNeverForced(remote);
  });

  it('two cairn clones committing different status files at once both land', async () => {
    const { remote, repo } = await setup({ attempts: 8, baseDelayMs: 5, maxDelayMs: 50 });
    const other = await openPolicyRepo({ url: remote.bare, workdir: join(t.root, `race${n}-cairn-2`), pushRetry: { attempts: 8, baseDelayMs: 5, maxDelayMs: 50 } });
    await Promise.all([repo.sync(), other.sync()]);
    const results = await Promise.all([
      repo.commitStatus(status('status/policies/kcm.yaml', 'phase: Ready\n', 'backup kcm-20261121060000 Completed')),
      other.commitStatus(status('status/policies/web.yaml', 'phase: Ready\n', 'backup web-20261121060000 Completed')),
    ]);
    expect(results.every((r) => r.pushed)).toBe(true);
    // One wins outright; the other lost at least one race and rebased.
    expect(Math.min(...results.map((r) => r.attempts))).toBe(1);
    expect(Math.max(...results.map((r) => r.attempts))).toBeGreaterThanOrEqual(2);
    const files = git(remote.bare, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['status/policies/kcm.yaml', 'status/policies/web.yaml']));
    assertLinearAndNeverForced(remote);
  });

  it('drops its commit quietly when the remote already holds the same status', async () => {
    const { remote, repo } = await setup();
    const other = await openPolicyRepo({ url: remote.bare, workdir: join(t.root, `race${n}-cairn-2`), pushRetry: FAST });
    await Promise.all([repo.sync(), other.sync()]);
    const same = status('status/policies/kcm.yaml', 'phase: Ready\n', 'backup kcm-20261121060000 Completed');
    // A different subject, so the two commits differ even within the same second.
    const first = await other.commitStatus({ ...same, subject: 'cairn: written by the other replica' });
    const second = await repo.commitStatus(same);
    expect(first.pushed).toBe(true);
    expect(second).toEqual({ pushed: false, attempts: 1 });
    expect(head(remote.bare)).toBe(first.commit);
    expect(git(repo.dir, 'status', '--porcelain')).toBe('');
  });
});

describe('rebase conflict', () => {
  it('aborts cleanly when a human edited the same status file, with a clear error, and recovers next tick', async () => {
    const { remote, repo } = await setup();
    await repo.sync();
    await repo.commitStatus(status('status/policies/kcm.yaml', 'phase: Ready\n', 'backup kcm-20261121000000 Completed'));
    await repo.sync();
    const human = humanCommit(remote, { 'status/policies/kcm.yaml': 'phase: edited by hand\n' }, 'hand-edit the status');

    const err = await repo.commitStatus(status('status/policies/kcm.yaml', 'phase: Failed\n', 'backup kcm-20261121060000 Failed')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).code).toBe('git.rebase-conflict');
    expect((err as GitError).message).toContain('status/policies/kcm.yaml');
    expect((err as GitError).message).toContain('hand-edit the status');
    expect((err as GitError).message).toMatch(/next tick/);

    // Clean: no rebase in progress, no conflict markers, at the remote head; the human's commit kept.
    expect(existsSync(join(repo.dir, '.git', 'rebase-merge'))).toBe(false);
    expect(existsSync(join(repo.dir, '.git', 'rebase-apply'))).toBe(false);
    expect(git(repo.dir, 'status', '--porcelain')).toBe('');
    expect(git(repo.dir, 'rev-parse', 'HEAD').trim()).toBe(human);
    expect(head(remote.bare)).toBe(human);
    assertLinearAndNeverForced(remote);

    // The next tick writes the status again over the hand edit.
    await repo.sync();
    const res = await repo.commitStatus(status('status/policies/kcm.yaml', 'phase: Failed\n', 'backup kcm-20261121060000 Failed'));
    expect(res.pushed).toBe(true);
    expect(git(remote.bare, 'show', 'main:status/policies/kcm.yaml')).toBe('phase: Failed\n');
  });
});
