// The reconciler across the life of its objects, through real parts (a bare Git repository,
// filesystem storage, the API simulator): a policy file removed under Retain and under Delete,
// a human push racing a tick, and RestoreRequests — run once, edited afterwards, and dry runs.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Simulator } from '../../src/sim/index.ts';
import { engineConfig, type EngineConfig } from '../../src/engine/config.ts';
import { Engine } from '../../src/engine/engine.ts';
import { git, head, humanCommit, isAncestor, makeRemote, nonFastForwards } from '../git/helpers.ts';
import { LOCAL_LOCATION, statusOf, useSampleCluster } from './fixtures.ts';

const LOCATION = LOCAL_LOCATION;

function policy(extra = ''): string {
  return `apiVersion: cairn.dev/v1alpha1
kind: BackupPolicy
metadata: {name: teams}
spec:
  schedule: "@every 20m"
  keep: 5
  gracePeriod: 1h
  includedNamespaces: [team-a]
${extra}`;
}

function restore(name: string, extra: string): string {
  return `apiVersion: cairn.dev/v1alpha1
kind: RestoreRequest
metadata: {name: ${name}}
spec:
  backupName: teams-20261121060000
  includedNamespaces: [team-a]
${extra}`;
}

let sim: Simulator;
let root: string;
let kubeconfig: string;
useSampleCluster((c) => ({ sim, root, kubeconfig } = c));

function setup(name: string, files: Record<string, string>, extra: Partial<EngineConfig> = {}) {
  const remote = makeRemote(root, files, { name });
  const dataDir = join(root, `${name}-data`);
  const clock = { now: new Date('2026-11-21T06:00:00Z'), onRead: undefined as (() => void) | undefined };
  const engine = new Engine(
    engineConfig({
      repoUrl: remote.bare,
      dataDir,
      kubeconfig,
      maxDeletionsPerTick: 10,
      now: () => {
        const hook = clock.onRead;
        clock.onRead = undefined;
        hook?.();
        return clock.now;
      },
      ...extra,
    }),
  );
  return {
    remote,
    engine,
    clock,
    manifest: (backup: string) => join(dataDir, 'backups/backups', backup, 'manifest.json'),
    at(iso: string) {
      clock.now = new Date(iso);
    },
  };
}

const outcomes = (r: { results: { action: { type: string }; outcome: string; message?: string }[] }) => r.results.map((a) => `${a.action.type} ${a.outcome}${a.outcome === "Failed" ? `: ${a.message}` : ""}`).sort();

async function simGet(path: string): Promise<number> {
  const res = await fetch(`${sim.url}${path}`);
  await res.arrayBuffer();
  return res.status;
}

describe('a removed policy file', () => {
  it('under deletionPolicy Retain keeps every backup and reports PolicyRemoved', async () => {
    const { remote, engine, at, manifest } = setup('retain', { 'locations/local.yaml': LOCATION, 'policies/teams.yaml': policy() });
    await engine.tick();
    at('2026-11-21T06:20:00Z');
    await engine.tick();
    expect(statusOf(remote, 'status/policies/teams.yaml').status.deletionPolicy).toBe('Retain');

    humanCommit(remote, { 'policies/teams.yaml': null }, 'remove the teams policy');
    at('2026-11-21T06:30:00Z');
    const removed = await engine.tick();
    expect(removed.results).toEqual([]);
    expect(removed.plan.notes.filter((n) => n.code === 'retained').map((n) => n.subject.policy)).toEqual(['teams']);
    const status = statusOf(remote, 'status/policies/teams.yaml').status;
    expect(status.removed).toBe(true);
    expect(status.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'False', reason: 'PolicyRemoved' })]);
    expect(status.conditions[0].message).toMatch(/Retain keeps its 2 backup/);
    expect(status.lastBackups.map((b: any) => [b.name, b.deletePhase ?? 'live'])).toEqual([
      ['teams-20261121062000', 'live'],
      ['teams-20261121060000', 'live'],
    ]);

    // Days later, far beyond any grace period: still nothing expired or deleted.
    at('2026-11-25T06:30:00Z');
    const later = await engine.tick();
    expect(later.results).toEqual([]);
    expect(later.commit).toBeUndefined();
    expect(existsSync(manifest('teams-20261121060000'))).toBe(true);
    expect(existsSync(manifest('teams-20261121062000'))).toBe(true);
  });

  it('under deletionPolicy Delete expires through the grace period, deletes on a later tick, and keeps the last Completed backup', async () => {
    const { remote, engine, at, manifest } = setup('delete', { 'locations/local.yaml': LOCATION, 'policies/teams.yaml': policy('  deletionPolicy: Delete\n') });
    for (const t of ['06:00', '06:20', '06:40']) {
      at(`2026-11-21T${t}:00Z`);
      await engine.tick();
    }
    humanCommit(remote, { 'policies/teams.yaml': null }, 'remove the teams policy');
    at('2026-11-21T06:45:00Z');
    const marked = await engine.tick();
    expect(outcomes(marked)).toEqual(['expire Expiring', 'expire Expiring']);
    expect(marked.results.map((r) => (r.action as any).deleteAfter)).toEqual(['2026-11-21T07:45:00Z', '2026-11-21T07:45:00Z']);
    const status = statusOf(remote, 'status/policies/teams.yaml').status;
    expect(status.conditions[0]).toMatchObject({ reason: 'PolicyRemoved' });
    expect(status.conditions[0].message).toMatch(/deletionPolicy Delete expires/);
    expect(Object.fromEntries(status.lastBackups.map((b: any) => [b.name, b.deletePhase ?? 'live']))).toEqual({
      'teams-20261121064000': 'live',
      'teams-20261121062000': 'Expiring',
      'teams-20261121060000': 'Expiring',
    });

    // Within the grace period: nothing deleted.
    at('2026-11-21T07:30:00Z');
    const within = await engine.tick();
    expect(within.results).toEqual([]);
    expect(existsSync(manifest('teams-20261121060000'))).toBe(true);

    at('2026-11-21T07:50:00Z');
    const after = await engine.tick();
    expect(outcomes(after)).toEqual(['delete Deleted', 'delete Deleted']);
    expect(existsSync(manifest('teams-20261121060000'))).toBe(false);
    expect(existsSync(manifest('teams-20261121062000'))).toBe(false);
    expect(existsSync(manifest('teams-20261121064000'))).toBe(true);
    const history = statusOf(remote, 'status/policies/teams.yaml').status.lastBackups;
    expect(history.find((b: any) => b.name === 'teams-20261121060000')).toMatchObject({ deletePhase: 'Deleted', deleteTime: '2026-11-21T07:50:00Z' });
    expect(history.find((b: any) => b.name === 'teams-20261121064000').deletePhase).toBeUndefined();

    // The last Completed backup stays for good.
    at('2026-11-23T00:00:00Z');
    const final = await engine.tick();
    expect(final.results).toEqual([]);
    expect(final.plan.notes.some((n) => n.code === 'last-completed' && n.subject.backup === 'teams-20261121064000')).toBe(true);
  });
});

describe('a human push racing a tick', () => {
  it('lands between sync and report: both commits survive, the status commit is rebased on top, nothing is forced', async () => {
    const { remote, engine, clock } = setup('race', { 'locations/local.yaml': LOCATION, 'policies/teams.yaml': policy() });
    let human = '';
    // The tick reads the clock first when it plans, right after sync: the human pushes then.
    clock.onRead = () => {
      human = humanCommit(remote, { 'README.md': 'policies for team-a\n' }, 'docs: describe the repository');
    };
    const r = await engine.tick();
    expect(human).not.toBe('');
    expect(outcomes(r)).toEqual(['backup Completed']);
    expect(r.commit).toBeDefined();

    const final = head(remote.bare);
    expect(final).toBe(r.commit);
    expect(isAncestor(remote.bare, human, final)).toBe(true);
    expect(git(remote.bare, 'log', '--format=%s', `${human}..${final}`).trim()).toBe('cairn: 1 backup completed [skip ci]');
    expect(nonFastForwards(remote.bare)).toEqual([]);
    expect(git(remote.bare, 'show', `${final}:README.md`)).toBe('policies for team-a\n');
    expect(statusOf(remote, 'status/policies/teams.yaml').status.lastBackups[0].name).toBe('teams-20261121060000');
  });
});

describe('RestoreRequests through the reconciler', () => {
  it('runs a request once, commits its status, and reports a later edit of its spec without running it again', async () => {
    const { remote, engine, at } = setup('restore-once', { 'locations/local.yaml': LOCATION, 'policies/teams.yaml': policy() });
    await engine.tick();
    expect(await simGet('/api/v1/namespaces/team-a-restored/configmaps/app-settings')).toBe(404);

    humanCommit(remote, { 'restores/roll.yaml': restore('roll', '  namespaceMapping: {team-a: team-a-restored}\n') }, 'restore team-a into team-a-restored');
    at('2026-11-21T06:05:00Z');
    const ran = await engine.tick();
    expect(outcomes(ran)).toEqual(['restore Completed']);
    expect(git(remote.bare, 'log', '-1', '--format=%s').trim()).toBe('cairn: 1 restore completed [skip ci]');
    expect(await simGet('/api/v1/namespaces/team-a-restored/configmaps/app-settings')).toBe(200);
    const done = statusOf(remote, 'status/restores/roll.yaml').status;
    expect(done).toMatchObject({ phase: 'Completed', backupName: 'teams-20261121060000', dryRun: false });
    expect(done.counts.created).toBeGreaterThan(0);
    expect(done.specHash).toMatch(/^[0-9a-f]{64}$/);
    expect(done.specChanged).toBeUndefined();

    humanCommit(remote, { 'restores/roll.yaml': restore('roll', '  namespaceMapping: {team-a: team-a-restored}\n  excludedResources: [secrets]\n') }, 'edit the restore');
    at('2026-11-21T06:10:00Z');
    const edited = await engine.tick();
    expect(edited.plan.actions).toEqual([]);
    expect(edited.results).toEqual([]);
    expect(edited.commit).toBeDefined();
    const reported = statusOf(remote, 'status/restores/roll.yaml').status;
    expect(reported).toMatchObject({ phase: 'Completed', specChanged: true, specHash: done.specHash });
    expect(reported.message).toMatch(/not re-run/);

    at('2026-11-21T06:12:00Z');
    const again = await engine.tick();
    expect(again.results).toEqual([]);
    expect(again.commit).toBeUndefined();
  });

  it('a dryRun request writes nothing to the cluster and lists the changes in its status', async () => {
    const { remote, engine, at } = setup('restore-dry', { 'locations/local.yaml': LOCATION, 'policies/teams.yaml': policy() });
    await engine.tick();
    humanCommit(remote, { 'restores/preview.yaml': restore('preview', '  namespaceMapping: {team-a: team-a-preview}\n  dryRun: true\n') }, 'preview a restore');
    at('2026-11-21T06:05:00Z');
    const writesBefore = sim.stats.writes;
    const r = await engine.tick();
    expect(outcomes(r)).toEqual(['restore Completed']);
    expect(sim.stats.writes).toBe(writesBefore);
    expect(await simGet('/api/v1/namespaces/team-a-preview/configmaps/app-settings')).toBe(404);

    const status = statusOf(remote, 'status/restores/preview.yaml').status;
    expect(status).toMatchObject({ phase: 'Completed', dryRun: true });
    expect(status.message).toMatch(/^dry run of teams-20261121060000 Completed/);
    expect(status.changes).toContainEqual({ action: 'create', object: 'configmaps/team-a-preview/app-settings' });
    expect(status.changes).toContainEqual({ action: 'create', object: 'deployments.apps/team-a-preview/shop' });
    expect(status.changes.every((c: any) => c.action === 'create')).toBe(true);
  });

  it('reports a request that ran in a location other than the default one', async () => {
    const archive = LOCATION.replace('name: local', 'name: archive').replace('default: true', 'default: false').replace('path: backups', 'path: archive');
    const { remote, engine, at } = setup('restore-elsewhere', {
      'locations/local.yaml': LOCATION,
      'locations/archive.yaml': archive,
      'policies/teams.yaml': policy('  location: archive\n'),
    });
    await engine.tick();
    humanCommit(remote, { 'restores/preview.yaml': restore('preview', '  dryRun: true\n') }, 'preview a restore from the archive');
    at('2026-11-21T06:05:00Z');
    const r = await engine.tick();
    expect(outcomes(r)).toEqual(['restore Completed']);
    expect(r.plan.actions).toEqual([expect.objectContaining({ type: 'restore', location: 'archive' })]);
    expect(statusOf(remote, 'status/restores/preview.yaml').status).toMatchObject({ phase: 'Completed', location: 'archive', backupName: 'teams-20261121060000' });
  });
});
