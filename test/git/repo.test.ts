import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitError, openPolicyRepo, type StatusChange } from '../../src/git/index.ts';
import { git, head, humanCommit, makeRemote, tempRoot } from './helpers.ts';

const POLICY = 'apiVersion: cairn.dev/v1alpha1\nkind: BackupPolicy\nmetadata: {name: kcm}\nspec: {schedule: "0 */6 * * *"}\n';
const LOCATION = 'apiVersion: cairn.dev/v1alpha1\nkind: BackupLocation\nmetadata: {name: primary}\nspec: {provider: filesystem}\n';

let t: ReturnType<typeof tempRoot>;
let n = 0;
beforeAll(() => {
  t = tempRoot();
});
afterAll(() => t.cleanup());

/** A fresh remote seeded with a policy and a location, and cairn's clone of it. */
async function setup(opts: { skipCi?: boolean; author?: { name: string; email: string } } = {}) {
  const name = `r${++n}`;
  const remote = makeRemote(t.root, { 'policies/kcm.yaml': POLICY, 'locations/primary.yaml': LOCATION }, { name });
  const repo = await openPolicyRepo({ url: remote.bare, workdir: join(t.root, `${name}-cairn`), ...opts });
  return { remote, repo };
}

const status = (extra: Partial<StatusChange> = {}): StatusChange => ({
  files: { 'status/policies/kcm.yaml': 'conditions:\n- {type: Ready, status: "True"}\n' },
  subject: 'cairn: 1 backup completed',
  body: ['backup kcm-20261121060000 Completed'],
  trailers: [
    ['Cairn-Revision', 'a'.repeat(40)],
    ['Cairn-Action', 'backup kcm-20261121060000 Completed'],
  ],
  ...extra,
});

describe('openPolicyRepo and sync', () => {
  it('clones into an empty workdir and syncs to the remote head', async () => {
    const { remote, repo } = await setup();
    expect(repo.branch).toBe('main');
    const s = await repo.sync();
    expect(s.revision).toBe(head(remote.bare));
    expect(s.sourceRevision).toBe(s.revision);
    expect(s.changed).toBe(true);
    expect(readFileSync(join(repo.dir, 'policies/kcm.yaml'), 'utf8')).toBe(POLICY);
    // The clone is cairn's: the origin URL is the remote, and the identity is cairn's.
    expect(git(repo.dir, 'config', 'remote.origin.url').trim()).toBe(remote.bare);
    expect(git(repo.dir, 'config', 'user.name').trim()).toBe('cairn');
  });

  it('creates a workdir whose parents do not exist yet', async () => {
    const remote = makeRemote(t.root, { 'policies/kcm.yaml': POLICY }, { name: 'nested' });
    const repo = await openPolicyRepo({ url: remote.bare, workdir: join(t.root, 'var', 'lib', 'cairn', 'policy') });
    expect((await repo.sync()).revision).toBe(head(remote.bare));
  });

  it('reflects a new human commit on the next sync, and reports no change when there is none', async () => {
    const { remote, repo } = await setup();
    const first = await repo.sync();
    const human = humanCommit(remote, { 'policies/web.yaml': 'kind: BackupPolicy\n' }, 'add the web policy');
    const second = await repo.sync();
    expect(second.revision).toBe(human);
    expect(second.revision).not.toBe(first.revision);
    expect(second.changed).toBe(true);
    expect(readFileSync(join(repo.dir, 'policies/web.yaml'), 'utf8')).toBe('kind: BackupPolicy\n');
    const third = await repo.sync();
    expect(third).toEqual({ revision: human, sourceRevision: human, changed: false });
  });

  it('reads the remote branch whether its ref is loose (as fetch writes it) or packed (as clone and pack-refs leave it)', async () => {
    const { remote, repo } = await setup();
    const first = await repo.sync();
    expect(first.revision).toBe(head(remote.bare));
    // A new commit: fetch writes the loose ref, and it is the one read.
    const human = humanCommit(remote, { 'policies/web.yaml': 'kind: BackupPolicy\n' }, 'add the web policy');
    expect((await repo.sync()).revision).toBe(human);
    expect(readFileSync(join(repo.dir, '.git/refs/remotes/origin/main'), 'utf8').trim()).toBe(human);
    // Packed, with nothing new to fetch: fetch leaves it packed, and git is asked.
    git(repo.dir, 'pack-refs', '--all');
    expect(existsSync(join(repo.dir, '.git/refs/remotes/origin/main'))).toBe(false);
    expect((await repo.sync()).revision).toBe(human);
    const next = humanCommit(remote, { 'policies/db.yaml': 'kind: BackupPolicy\n' }, 'add the db policy');
    expect((await repo.sync()).revision).toBe(next);
    // A loose ref that is not a plain object name (a symbolic one, say) is left to git as well.
    git(repo.dir, 'update-ref', 'refs/remotes/origin/other', next);
    writeFileSync(join(repo.dir, '.git/refs/remotes/origin/main'), 'ref: refs/remotes/origin/other\n');
    expect((await repo.sync()).revision).toBe(next);
  });

  it('follows deletions and discards anything local that is not on the remote', async () => {
    const { remote, repo } = await setup();
    await repo.sync();
    writeFileSync(join(repo.dir, 'stray.txt'), 'left by a crashed tick');
    writeFileSync(join(repo.dir, 'policies/kcm.yaml'), 'edited locally');
    git(repo.dir, 'add', 'policies/kcm.yaml');
    git(repo.dir, 'commit', '-q', '-m', 'an unpushed local commit');
    humanCommit(remote, { 'locations/primary.yaml': null }, 'drop the location');
    const s = await repo.sync();
    expect(s.revision).toBe(head(remote.bare));
    expect(git(repo.dir, 'rev-parse', 'HEAD').trim()).toBe(s.revision);
    expect(existsSync(join(repo.dir, 'stray.txt'))).toBe(false);
    expect(existsSync(join(repo.dir, 'locations/primary.yaml'))).toBe(false);
    expect(readFileSync(join(repo.dir, 'policies/kcm.yaml'), 'utf8')).toBe(POLICY);
    expect(git(repo.dir, 'status', '--porcelain')).toBe('');
  });

  it('reopens an existing clone and fetches instead of cloning again', async () => {
    const { remote, repo } = await setup();
    await repo.sync();
    const human = humanCommit(remote, { 'policies/db.yaml': 'kind: BackupPolicy\n' }, 'add db');
    const again = await openPolicyRepo({ url: remote.bare, workdir: repo.dir });
    expect(git(again.dir, 'rev-parse', 'refs/remotes/origin/main').trim()).toBe(human);
    expect((await again.sync()).revision).toBe(human);
  });

  it('refuses a workdir that is a clone of another repository, or not a clone at all', async () => {
    const a = await setup();
    const b = await setup();
    const mismatch = await openPolicyRepo({ url: b.remote.bare, workdir: a.repo.dir }).catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(GitError);
    expect((mismatch as GitError).code).toBe('git.remote-mismatch');
    expect((mismatch as GitError).message).toContain(a.remote.bare);
    expect((mismatch as GitError).message).toContain(b.remote.bare);

    const junk = join(t.root, 'junk-workdir');
    mkdirSync(junk);
    writeFileSync(join(junk, 'notes.txt'), 'x');
    const notClone = await openPolicyRepo({ url: b.remote.bare, workdir: junk }).catch((e: unknown) => e);
    expect((notClone as GitError).code).toBe('git.workdir');
    expect((notClone as GitError).message).toContain(junk);
  });

  it('follows the remote HEAD branch by default, or the branch it is given', async () => {
    const remote = makeRemote(t.root, { 'policies/kcm.yaml': POLICY }, { name: 'trunk', branch: 'trunk' });
    git(remote.human, 'checkout', '-q', '-b', 'staging');
    writeFileSync(join(remote.human, 'policies/staging.yaml'), 'kind: BackupPolicy\n');
    git(remote.human, 'add', '.');
    git(remote.human, 'commit', '-q', '-m', 'staging only');
    git(remote.human, 'push', '-q', 'origin', 'staging');

    const dflt = await openPolicyRepo({ url: remote.bare, workdir: join(t.root, 'trunk-default') });
    expect(dflt.branch).toBe('trunk');
    expect((await dflt.sync()).revision).toBe(head(remote.bare, 'trunk'));

    const staging = await openPolicyRepo({ url: remote.bare, branch: 'staging', workdir: join(t.root, 'trunk-staging') });
    expect(staging.branch).toBe('staging');
    await staging.sync();
    expect(existsSync(join(staging.dir, 'policies/staging.yaml'))).toBe(true);

    const missing = await openPolicyRepo({ url: remote.bare, branch: 'nope', workdir: join(t.root, 'trunk-nope') }).catch((e: unknown) => e);
    expect((missing as GitError).code).toBe('git.clone');
    expect((missing as GitError).message).toMatch(/nope/);
  });

  it('says clearly that an empty remote has no branch to follow', async () => {
    const bare = join(t.root, 'empty.git');
    git(t.root, 'init', '-q', '--bare', '-b', 'main', bare);
    const err = await openPolicyRepo({ url: bare, workdir: join(t.root, 'empty-cairn') }).catch((e: unknown) => e);
    expect((err as GitError).code).toBe('git.branch-missing');
    expect((err as GitError).message).toMatch(/branch main does not exist .*push a first commit/);
  });
});

describe('commitStatus', () => {
  it('writes status files, commits with subject, body, [skip ci] and trailers, and pushes', async () => {
    const { remote, repo } = await setup();
    const { revision } = await repo.sync();
    const res = await repo.commitStatus(
      status({
        files: { 'status/policies/kcm.yaml': 'phase: Ready\n', 'status/errors.yaml': 'errors: []\n' },
        subject: 'cairn: 2 backups completed, 1 expired',
        body: ['backup kcm-20261121060000 Completed', 'backup kcm-20261121000000 Completed', 'expire kcm-20261101000000 beyond keep 20'],
        trailers: [
          ['Cairn-Revision', revision],
          ['Cairn-Action', 'backup kcm-20261121060000 Completed'],
          ['Cairn-Action', 'backup kcm-20261121000000 Completed'],
          ['Cairn-Action', 'expire kcm-20261101000000 beyond keep 20'],
        ],
      }),
    );
    expect(res.pushed).toBe(true);
    expect(res.attempts).toBe(1);
    expect(res.commit).toBe(head(remote.bare));

    const msg = git(remote.bare, 'log', '-1', '--format=%B', 'main');
    const [subject, , ...rest] = msg.trimEnd().split('\n');
    expect(subject).toBe('cairn: 2 backups completed, 1 expired [skip ci]');
    expect(rest.slice(0, 3)).toEqual(['backup kcm-20261121060000 Completed', 'backup kcm-20261121000000 Completed', 'expire kcm-20261101000000 beyond keep 20']);
    const trailers = execTrailers(remote.bare, msg);
    expect(trailers).toEqual([
      `Cairn-Revision: ${revision}`,
      'Cairn-Action: backup kcm-20261121060000 Completed',
      'Cairn-Action: backup kcm-20261121000000 Completed',
      'Cairn-Action: expire kcm-20261101000000 beyond keep 20',
    ]);
    // Only status/ changed, authored by cairn, on top of the human's revision.
    expect(git(remote.bare, 'show', '--format=', '--name-only', 'main').trim().split('\n').sort()).toEqual(['status/errors.yaml', 'status/policies/kcm.yaml']);
    expect(git(remote.bare, 'log', '-1', '--format=%an <%ae>|%cn <%ce>', 'main').trim()).toBe('cairn <cairn@localhost>|cairn <cairn@localhost>');
    expect(git(remote.bare, 'rev-parse', 'main~1').trim()).toBe(revision);
    expect(git(remote.bare, 'show', 'main:status/policies/kcm.yaml')).toBe('phase: Ready\n');
    expect(git(repo.dir, 'status', '--porcelain')).toBe('');

    // The status commit is not a change of the desired state.
    const s = await repo.sync();
    expect(s).toEqual({ revision: res.commit, sourceRevision: revision, changed: false });
  });

  it('makes no commit when no status content changed', async () => {
    const { remote, repo } = await setup();
    await repo.sync();
    await repo.commitStatus(status());
    const before = head(remote.bare);
    const again = await repo.commitStatus(status({ subject: 'cairn: nothing new' }));
    expect(again).toEqual({ pushed: false, attempts: 0 });
    const deleteMissing = await repo.commitStatus(status({ files: { 'status/restores/never.yaml': null } }));
    expect(deleteMissing).toEqual({ pushed: false, attempts: 0 });
    expect(head(remote.bare)).toBe(before);
    expect(git(repo.dir, 'status', '--porcelain')).toBe('');
  });

  it('deletes a status file given null', async () => {
    const { remote, repo } = await setup();
    await repo.sync();
    await repo.commitStatus(status({ files: { 'status/restores/rollback.yaml': 'phase: Completed\n' } }));
    const res = await repo.commitStatus(status({ files: { 'status/restores/rollback.yaml': null }, subject: 'cairn: 1 restore removed' }));
    expect(res.pushed).toBe(true);
    expect(git(remote.bare, 'ls-tree', '-r', '--name-only', 'main').split('\n')).not.toContain('status/restores/rollback.yaml');
  });

  it('honours skipCi=false and a configured author', async () => {
    const { remote, repo } = await setup({ skipCi: false, author: { name: 'Cairn Bot', email: 'bot@example.org' } });
    await repo.sync();
    await repo.commitStatus(status());
    expect(git(remote.bare, 'log', '-1', '--format=%s|%an <%ae>', 'main').trim()).toBe('cairn: 1 backup completed|Cairn Bot <bot@example.org>');
  });

  it('refuses any path outside status/ and writes nothing at all', async () => {
    const { remote, repo } = await setup();
    await repo.sync();
    const before = head(remote.bare);
    for (const bad of ['policies/kcm.yaml', 'status/../policies/kcm.yaml', '/etc/passwd', '../outside.yaml', 'status/', 'status', 'status/.git/config', 'statusx/a.yaml']) {
      const err = await repo
        .commitStatus(status({ files: { 'status/policies/kcm.yaml': 'would be fine\n', [bad]: 'x' } }))
        .catch((e: unknown) => e);
      expect(err, bad).toBeInstanceOf(GitError);
      expect((err as GitError).code, bad).toBe('git.path-outside-status');
      expect((err as GitError).message, bad).toContain(bad);
    }
    expect(head(remote.bare)).toBe(before);
    expect(readFileSync(join(repo.dir, 'policies/kcm.yaml'), 'utf8')).toBe(POLICY);
    expect(existsSync(join(repo.dir, 'status'))).toBe(false);
    expect(git(repo.dir, 'status', '--porcelain')).toBe('');
  });

  it('refuses to write through a symbolic link committed under status/', async () => {
    const { remote, repo } = await setup();
    symlinkSync('../policies', join(remote.human, 'status'));
    git(remote.human, 'add', 'status');
    git(remote.human, 'commit', '-q', '-m', 'a status symlink');
    git(remote.human, 'push', '-q', 'origin', 'HEAD:main');
    await repo.sync();
    const err = await repo.commitStatus(status({ files: { 'status/kcm.yaml': 'overwrite?' } })).catch((e: unknown) => e);
    expect((err as GitError).code).toBe('git.path-outside-status');
    expect((err as GitError).message).toMatch(/symbolic link/);
    expect(readFileSync(join(repo.dir, 'policies/kcm.yaml'), 'utf8')).toBe(POLICY);
  });

  it('rejects a malformed trailer before touching anything', async () => {
    const { repo } = await setup();
    await repo.sync();
    const err = await repo.commitStatus(status({ trailers: [['Cairn Action', 'x']] })).catch((e: unknown) => e);
    expect((err as GitError).code).toBe('git.invalid-argument');
    const multi = await repo.commitStatus(status({ subject: 'two\nlines' })).catch((e: unknown) => e);
    expect((multi as GitError).code).toBe('git.invalid-argument');
    expect(existsSync(join(repo.dir, 'status'))).toBe(false);
  });
});

/** The trailers of a message as git itself parses them. */
function execTrailers(cwd: string, message: string): string[] {
  const out = execFileSync('git', ['interpret-trailers', '--parse'], { cwd, input: message, encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '');
}

describe('commitStatus failures', () => {
  it('reports a push the server declines as git.push and leaves the clone at the remote head', async () => {
    const { remote, repo } = await setup();
    await repo.sync();
    const hook = join(remote.bare, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "protected branch: status commits need review" >&2\nexit 1\n', { mode: 0o755 });
    const before = head(remote.bare);
    const err = await repo.commitStatus(status()).catch((e: unknown) => e);
    expect((err as GitError).code).toBe('git.push');
    expect((err as GitError).message).toContain('protected branch: status commits need review');
    expect(head(remote.bare)).toBe(before);
    expect(git(repo.dir, 'rev-parse', 'HEAD').trim()).toBe(before);
    expect(git(repo.dir, 'status', '--porcelain')).toBe('');
  });

  it('says which status path cannot be written when a file blocks the directory', async () => {
    const { remote, repo } = await setup();
    humanCommit(remote, { 'status/policies': 'a file where a directory belongs\n' }, 'oops');
    await repo.sync();
    const err = await repo.commitStatus(status()).catch((e: unknown) => e);
    expect((err as GitError).code).toBe('git.workdir');
    expect((err as GitError).message).toContain('status/policies/kcm.yaml');
    expect(git(repo.dir, 'status', '--porcelain')).toBe('');
  });

  it('commits a tick with thousands of actions (message beyond the per-argument limit)', async () => {
    const { remote, repo } = await setup();
    const { revision } = await repo.sync();
    const actions = Array.from({ length: 4000 }, (_, i) => `backup policy-${String(i).padStart(4, '0')}-20261121060000 Completed`);
    const res = await repo.commitStatus(status({ body: actions, trailers: [['Cairn-Revision', revision], ...actions.map((a): [string, string] => ['Cairn-Action', a])] }));
    expect(res.pushed).toBe(true);
    const trailers = execTrailers(remote.bare, git(remote.bare, 'log', '-1', '--format=%B', 'main'));
    expect(trailers).toHaveLength(4001);
    expect(trailers[4000]).toBe(`Cairn-Action: ${actions[3999]}`);
  });
});
