// End to end through real parts: a bare Git repository on disk, filesystem storage, the API
// simulator spoken to by the unchanged client. The clock is the only thing the test controls.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { engineConfig } from '../../src/engine/config.ts';
import { Engine } from '../../src/engine/engine.ts';
import { git, humanCommit, makeRemote, type Remote } from '../git/helpers.ts';
import { LOCAL_LOCATION, statusOf, useSampleCluster } from './fixtures.ts';

const LOCATION = LOCAL_LOCATION;

function policy(keep: number): string {
  return `apiVersion: cairn.dev/v1alpha1
kind: BackupPolicy
metadata: {name: teams}
spec:
  schedule: "@every 20m"
  keep: ${keep}
  gracePeriod: 1h
  includedNamespaces: [team-a]
`;
}

let root: string;
let kubeconfig: string;
useSampleCluster((c) => ({ root, kubeconfig } = c));

function setup(name: string, files: Record<string, string>, extra: { maxDeletionsPerTick?: number } = {}) {
  const remote = makeRemote(root, files, { name });
  let now = new Date('2026-11-21T06:00:00Z');
  const engine = new Engine(
    engineConfig({
      repoUrl: remote.bare,
      dataDir: join(root, `${name}-data`),
      kubeconfig,
      now: () => now,
      ...extra,
    }),
  );
  return {
    remote,
    engine,
    dataDir: join(root, `${name}-data`),
    at(iso: string) {
      now = new Date(iso);
    },
  };
}

function log(remote: Remote): string[] {
  return git(remote.bare, 'log', '--format=%s').trim().split('\n');
}

describe('reconcile tick', () => {
  it('takes the due backup, writes it to storage and pushes one status commit with trailers', async () => {
    const { remote, engine, dataDir } = setup('e2e', { 'locations/local.yaml': LOCATION, 'policies/teams.yaml': policy(3) });
    const r = await engine.tick();
    expect(r.results.map((a) => [a.action.type, a.outcome])).toEqual([['backup', 'Completed']]);
    const manifestPath = join(dataDir, 'backups/backups/teams-20261121060000/manifest.json');
    expect(existsSync(manifestPath)).toBe(true);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    expect(manifest.phase).toBe('Completed');
    expect(manifest.totalItems).toBeGreaterThan(0);
    expect(manifest.gitRevision).toBe(r.sourceRevision);

    expect(log(remote)[0]).toBe('cairn: 1 backup completed [skip ci]');
    const trailers = git(remote.bare, 'log', '-1', '--format=%(trailers:only,unfold)').trim().split('\n');
    expect(trailers).toEqual([`Cairn-Revision: ${r.sourceRevision}`, 'Cairn-Action: backup teams-20261121060000 Completed']);

    const status = statusOf(remote, 'status/policies/teams.yaml');
    expect(status.kind).toBe('BackupPolicyStatus');
    expect(status.status.lastAppliedRevision).toBe(r.sourceRevision);
    expect(status.status.nextScheduledTime).toBe('2026-11-21T06:20:00Z');
    expect(status.status.conditions[0]).toMatchObject({ type: 'Ready', status: 'True', reason: 'Succeeded' });
    expect(status.status.lastBackups[0]).toMatchObject({ name: 'teams-20261121060000', phase: 'Completed', items: manifest.totalItems });

    // Nothing due: no action, no commit.
    const before = git(remote.bare, 'rev-parse', 'HEAD').trim();
    const again = await engine.tick();
    expect(again.results).toEqual([]);
    expect(again.commit).toBeUndefined();
    expect(git(remote.bare, 'rev-parse', 'HEAD').trim()).toBe(before);
  });

  it('a fresh engine on the same repository and storage makes no commit when nothing is due', async () => {
    const { remote, engine, at } = setup('restart', { 'locations/local.yaml': LOCATION, 'policies/teams.yaml': policy(3) });
    await engine.tick();
    const head = git(remote.bare, 'rev-parse', 'HEAD').trim();
    const second = new Engine({ ...engine.config, workdir: `${engine.config.workdir}-2` });
    at('2026-11-21T06:10:00Z');
    const r = await second.tick();
    expect(r.results).toEqual([]);
    expect(git(remote.bare, 'rev-parse', 'HEAD').trim()).toBe(head);
  });

  it('expires beyond keep, deletes only after the grace period, and a revert within grace deletes nothing', async () => {
    const { remote, engine, at, dataDir } = setup('retention', { 'locations/local.yaml': LOCATION, 'policies/teams.yaml': policy(3) }, { maxDeletionsPerTick: 10 });
    for (const t of ['06:00', '06:20', '06:40']) {
      at(`2026-11-21T${t}:00Z`);
      await engine.tick();
    }
    // Shrinking keep marks the oldest two as expiring, deleting nothing yet.
    humanCommit(remote, { 'policies/teams.yaml': policy(1) }, 'keep only one backup');
    at('2026-11-21T06:45:00Z');
    const shrink = await engine.tick();
    expect(shrink.results.map((a) => [a.action.type, a.outcome]).sort()).toEqual([
      ['expire', 'Expiring'],
      ['expire', 'Expiring'],
    ]);
    expect(log(remote)[0]).toBe('cairn: 2 expired [skip ci]');
    const marked = statusOf(remote, 'status/policies/teams.yaml').status.lastBackups;
    expect(marked.filter((b: any) => b.deletePhase === 'Expiring').map((b: any) => b.name).sort()).toEqual(['teams-20261121060000', 'teams-20261121062000']);

    // Reverting the retention change within the grace period brings them back into keeping.
    git(remote.human, 'revert', '--no-edit', 'HEAD');
    git(remote.human, 'pull', '-q', '--rebase', 'origin', remote.branch);
    git(remote.human, 'push', '-q', 'origin', remote.branch);
    at('2026-11-21T06:50:00Z');
    const revert = await engine.tick();
    expect(revert.results.map((a) => [a.action.type, a.outcome])).toEqual([
      ['unexpire', 'Unexpired'],
      ['unexpire', 'Unexpired'],
    ]);
    at('2026-11-21T08:00:00Z'); // well past the old deleteAfter: still nothing deleted
    const later = await engine.tick();
    expect(later.results.filter((a) => a.action.type === 'delete')).toEqual([]);
    expect(existsSync(join(dataDir, 'backups/backups/teams-20261121060000/manifest.json'))).toBe(true);

    // Shrink again and let the grace period pass: now they go, one tick after the mark.
    humanCommit(remote, { 'policies/teams.yaml': policy(1) }, 'keep only one backup, for real');
    at('2026-11-21T08:05:00Z');
    const mark = await engine.tick();
    expect(mark.results.filter((a) => a.action.type === 'expire').length).toBeGreaterThan(0);
    expect(mark.results.filter((a) => a.action.type === 'delete')).toEqual([]);
    at('2026-11-21T09:10:00Z');
    const del = await engine.tick();
    const deleted = del.results.filter((a) => a.action.type === 'delete' && a.outcome === 'Deleted').map((a) => (a.action as any).backup);
    expect(deleted).toContain('teams-20261121060000');
    expect(existsSync(join(dataDir, 'backups/backups/teams-20261121060000/manifest.json'))).toBe(false);
    const history = statusOf(remote, 'status/policies/teams.yaml').status.lastBackups;
    expect(history.find((b: any) => b.name === 'teams-20261121060000')).toMatchObject({ deletePhase: 'Deleted', deleteTime: '2026-11-21T09:10:00Z' });
  });

  it('an invalid policy file freezes its backups, is reported in status/errors.yaml, and blocks nothing else', async () => {
    const other = policy(1).replace('name: teams', 'name: others').replace('[team-a]', '[team-b]');
    const { remote, engine, at } = setup('invalid', { 'locations/local.yaml': LOCATION, 'policies/teams.yaml': policy(1), 'policies/others.yaml': other });
    await engine.tick();
    at('2026-11-21T06:20:00Z');
    await engine.tick();
    humanCommit(remote, { 'policies/teams.yaml': policy(1).replace('"@every 20m"', '"every 20 minutes"') }, 'break the schedule');
    at('2026-11-21T09:00:00Z');
    const r = await engine.tick();
    // Only the valid policy acts; the broken one neither backs up nor loses its backups.
    expect(r.results.every((a) => (a.action as any).policy === 'others')).toBe(true);
    expect(r.results.some((a) => a.action.type === 'backup')).toBe(true);
    const errors = statusOf(remote, 'status/errors.yaml').status.errors;
    expect(errors[0]).toMatchObject({ file: 'policies/teams.yaml', path: 'spec.schedule' });
    const frozen = statusOf(remote, 'status/policies/teams.yaml').status;
    expect(frozen.conditions).toContainEqual(expect.objectContaining({ type: 'Stalled', status: 'True', reason: 'InvalidSpec' }));
    expect(frozen.lastBackups.filter((b: any) => !b.deletePhase).length).toBe(2);
    expect(log(remote)[0]).toMatch(/1 invalid file/);
  });

  it('audit reads the trailers back, filtered by policy', async () => {
    const { engine, at } = setup('audit', { 'locations/local.yaml': LOCATION, 'policies/teams.yaml': policy(3) });
    await engine.tick();
    at('2026-11-21T06:20:00Z');
    await engine.tick();
    const entries = await engine.audit({ policy: 'teams' });
    expect(entries.map((e) => e.actions.map((a) => `${a.verb} ${a.object} ${a.result}`))).toEqual([
      ['backup teams-20261121062000 Completed'],
      ['backup teams-20261121060000 Completed'],
    ]);
  });
});
