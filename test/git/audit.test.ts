import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterAudit, parseAction, type AuditEntry } from '../../src/git/audit.ts';
import { formatCommitMessage, GitError, openPolicyRepo, type PolicyRepo } from '../../src/git/index.ts';
import { git, humanCommit, makeRemote, tempRoot, type Remote } from './helpers.ts';

describe('formatCommitMessage', () => {
  it('lays out subject, body and a trailer block', () => {
    const msg = formatCommitMessage({
      subject: 'cairn: 1 backup completed',
      body: ['backup kcm-20261121060000 Completed'],
      trailers: [
        ['Cairn-Revision', 'abc123'],
        ['Cairn-Action', 'backup kcm-20261121060000 Completed'],
      ],
      skipCi: true,
    });
    expect(msg).toBe('cairn: 1 backup completed [skip ci]\n\nbackup kcm-20261121060000 Completed\n\nCairn-Revision: abc123\nCairn-Action: backup kcm-20261121060000 Completed');
  });

  it('adds [skip ci] once, omits an empty body, and refuses multi-line values', () => {
    expect(formatCommitMessage({ subject: 'cairn: x [skip ci]', body: [], trailers: [['Cairn-Revision', 'r']], skipCi: true })).toBe('cairn: x [skip ci]\n\nCairn-Revision: r');
    expect(() => formatCommitMessage({ subject: 's', body: [], trailers: [['Cairn-Action', 'a\nInjected: yes']], skipCi: false })).toThrow(GitError);
    expect(() => formatCommitMessage({ subject: ' ', body: [], trailers: [], skipCi: false })).toThrow(/subject is empty/);
  });
});

describe('parseAction and filterAudit', () => {
  it('splits an action into verb, object and result', () => {
    expect(parseAction('expire kcm-20261101000000 beyond keep 20')).toEqual({ verb: 'expire', object: 'kcm-20261101000000', result: 'beyond keep 20' });
    expect(parseAction('policy kcm')).toEqual({ verb: 'policy', object: 'kcm', result: '' });
  });

  it('narrows entries to the actions on one policy or restore and applies the limit after filtering', () => {
    const entry = (commit: string, actions: string[]): AuditEntry => ({ commit, date: '', author: 'cairn', subject: '', actions: actions.map(parseAction) });
    const entries = [entry('c3', ['backup web-20261121060000 Completed']), entry('c2', ['backup kcm-20261121060000 Completed', 'restore rollback Completed']), entry('c1', ['policy kcm invalid'])];
    expect(filterAudit(entries, { policy: 'kcm' }).map((e) => [e.commit, e.actions.length])).toEqual([['c2', 1], ['c1', 1]]);
    expect(filterAudit(entries, { policy: 'kcm', limit: 1 }).map((e) => e.commit)).toEqual(['c2']);
    expect(filterAudit(entries, { restore: 'rollback' }).map((e) => e.actions)).toEqual([[{ verb: 'restore', object: 'rollback', result: 'Completed' }]]);
    expect(filterAudit(entries, {}).length).toBe(3);
  });

  it('leaves a backup to the longest policy name that fits it', () => {
    const entry = (commit: string, actions: string[]): AuditEntry => ({ commit, date: '', author: 'cairn', subject: '', actions: actions.map(parseAction) });
    const entries = [entry('c1', ['backup kcm-nightly-20261121060000 Completed', 'backup kcm-20261121060000 Completed', 'policy kcm-nightly invalid'])];
    const objects = (f: Parameters<typeof filterAudit>[1]) => filterAudit(entries, f).flatMap((e) => e.actions.map((a) => a.object));
    expect(objects({ policy: 'kcm', otherPolicies: ['kcm-nightly', 'web'] })).toEqual(['kcm-20261121060000']);
    expect(objects({ policy: 'kcm-nightly', otherPolicies: ['kcm'] })).toEqual(['kcm-nightly-20261121060000', 'kcm-nightly']);
    // Without the other names the prefix is all there is to go by.
    expect(objects({ policy: 'kcm' })).toEqual(['kcm-nightly-20261121060000', 'kcm-20261121060000', 'kcm-nightly']);
  });
});

describe('PolicyRepo.audit', () => {
  let t: ReturnType<typeof tempRoot>;
  let remote: Remote;
  let repo: PolicyRepo;
  const revisions: string[] = [];

  async function tick(file: string, actions: string[]): Promise<void> {
    const { sourceRevision } = await repo.sync();
    revisions.push(sourceRevision);
    await repo.commitStatus({
      files: { [file]: `${actions.join('\n')}\n` },
      subject: `cairn: ${actions.length} actions`,
      body: actions,
      trailers: [['Cairn-Revision', sourceRevision], ...actions.map((a): [string, string] => ['Cairn-Action', a])],
    });
  }

  beforeAll(async () => {
    t = tempRoot();
    remote = makeRemote(t.root, { 'policies/kcm.yaml': 'kind: BackupPolicy\n', 'policies/web.yaml': 'kind: BackupPolicy\n' });
    repo = await openPolicyRepo({ url: remote.bare, workdir: join(t.root, 'cairn') });
    await tick('status/policies/kcm.yaml', ['backup kcm-20261121000000 Completed', 'backup web-20261121000000 Completed']);
    // A human commit that mentions a trailer in prose is not one of cairn's.
    humanCommit(remote, { 'policies/web.yaml': 'kind: BackupPolicy # v2\n' }, 'tune web\n\nCairn-Action: lines like this are written by cairn.\n\nSigned-off-by: Alice <alice@example.com>');
    await tick('status/policies/web.yaml', ['backup web-20261121060000 Failed', 'expire kcm-20261101000000 beyond keep 20']);
    await tick('status/restores/rollback.yaml', ['restore rollback Completed']);
  });
  afterAll(() => t.cleanup());

  it('reads every status commit back from its trailers, newest first', async () => {
    const all = await repo.audit();
    expect(all.map((e) => e.subject)).toEqual(['cairn: 1 actions [skip ci]', 'cairn: 2 actions [skip ci]', 'cairn: 2 actions [skip ci]']);
    expect(all.map((e) => e.revision)).toEqual([revisions[2], revisions[1], revisions[0]]);
    expect(all[1].actions).toEqual([
      { verb: 'backup', object: 'web-20261121060000', result: 'Failed' },
      { verb: 'expire', object: 'kcm-20261101000000', result: 'beyond keep 20' },
    ]);
    expect(all[0].commit).toBe(git(remote.bare, 'rev-parse', 'main').trim());
    expect(all[0].author).toBe('cairn');
    expect(Number.isNaN(Date.parse(all[0].date))).toBe(false);
  });

  it('filters by policy, by restore, and limits', async () => {
    const kcm = await repo.audit({ policy: 'kcm' });
    expect(kcm.map((e) => e.actions.map((a) => `${a.verb} ${a.object} ${a.result}`))).toEqual([
      ['expire kcm-20261101000000 beyond keep 20'],
      ['backup kcm-20261121000000 Completed'],
    ]);
    const web = await repo.audit({ policy: 'web', limit: 1 });
    expect(web).toHaveLength(1);
    expect(web[0].actions).toEqual([{ verb: 'backup', object: 'web-20261121060000', result: 'Failed' }]);
    const restore = await repo.audit({ restore: 'rollback' });
    expect(restore.map((e) => e.revision)).toEqual([revisions[2]]);
    expect(await repo.audit({ limit: 2 })).toHaveLength(2);
    expect(await repo.audit({ policy: 'nothing-here' })).toEqual([]);
  });
});

describe('PolicyRepo.audit with policies whose names extend one another', () => {
  it('tells kcm from kcm-nightly by the status files at the remote branch', async () => {
    const t = tempRoot();
    try {
      const remote = makeRemote(t.root, { 'policies/kcm.yaml': 'kind: BackupPolicy\n' });
      const repo = await openPolicyRepo({ url: remote.bare, workdir: join(t.root, 'cairn') });
      const { sourceRevision } = await repo.sync();
      const actions = ['backup kcm-20261121060000 Completed', 'backup kcm-nightly-20261121060000 Completed'];
      await repo.commitStatus({
        files: { 'status/policies/kcm.yaml': 'a\n', 'status/policies/kcm-nightly.yaml': 'b\n' },
        subject: 'cairn: 2 backups completed',
        body: actions,
        trailers: [['Cairn-Revision', sourceRevision], ...actions.map((a): [string, string] => ['Cairn-Action', a])],
      });
      const objects = async (policy: string) => (await repo.audit({ policy })).flatMap((e) => e.actions.map((a) => a.object));
      expect(await objects('kcm')).toEqual(['kcm-20261121060000']);
      expect(await objects('kcm-nightly')).toEqual(['kcm-nightly-20261121060000']);
    } finally {
      t.cleanup();
    }
  });
});
