// The read API against real parts: a bare Git repository, filesystem storage and the API
// simulator, driven by the real engine; served by the real HTTP server. Every answer is
// validated against the OpenAPI document the server itself serves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { connectCluster } from '../../src/cluster/connect.ts';
import { engineConfig } from '../../src/engine/config.ts';
import { Engine } from '../../src/engine/engine.ts';
import { startServer, ServerState } from '../../src/server/http.ts';
import { humanCommit, makeRemote, type Remote } from '../git/helpers.ts';
import { LOCAL_LOCATION, useSampleCluster } from '../engine/fixtures.ts';
import { openApiValidator } from './openapi-check.ts';

let root: string;
let kubeconfig: string;
useSampleCluster((c) => ({ root, kubeconfig } = c));

const TEAMS = `apiVersion: cairn.dev/v1alpha1
kind: BackupPolicy
metadata: {name: teams}
spec:
  schedule: "@every 20m"
  keep: 3
  includedNamespaces: [team-a]
`;
// A cluster nobody answers on: its backups fail.
const GONE_CLUSTER = `apiVersion: cairn.dev/v1alpha1
kind: Cluster
metadata: {name: gone}
spec: {kubeconfigFromEnv: GONE_KUBECONFIG}
`;
const BROKEN = `apiVersion: cairn.dev/v1alpha1
kind: BackupPolicy
metadata: {name: broken}
spec:
  cluster: gone
  trigger: "first"
  includedNamespaces: [team-a]
`;
const MODIFIER = `apiVersion: cairn.dev/v1alpha1
kind: ResourceModifiers
metadata: {name: label-restored}
spec:
  version: v1
  resourceModifierRules:
    - conditions: {groupResource: configmaps}
      mergePatches:
        - patchData: '{"metadata":{"labels":{"restored":"yes"}}}'
`;
const RESTORE = `apiVersion: cairn.dev/v1alpha1
kind: RestoreRequest
metadata: {name: undo-team-a}
spec:
  policy: teams
  includedNamespaces: [team-a]
  existingResourcePolicy: update
  resourceModifier: label-restored
`;
const NEW_PASSWORD = 'changed-after-the-backup-7f3a';
const OLD_PASSWORD = 'dummy-password-not-real';

let remote: Remote;
let engine: Engine;
let server: Server;
let base: string;
/** The engine's clock. */
let now = new Date('2026-11-21T06:00:00Z');
let validate: ReturnType<typeof openApiValidator>;
const ticked: string[] = [];

async function get(path: string, expected = 200): Promise<any> {
  const res = await fetch(`${base}/api/v1${path}`);
  const text = await res.text();
  expect(res.status, `${path}: ${text.slice(0, 300)}`).toBe(expected);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  // No Secret value, in any form, in any answer.
  for (const secret of [NEW_PASSWORD, OLD_PASSWORD]) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(secret).toString('base64'));
  }
  const body = JSON.parse(text);
  validate(path.split('?')[0], res.status, body);
  return body;
}

beforeAll(async () => {
  const gone = join(root, 'gone-kubeconfig.yaml');
  writeFileSync(gone, `apiVersion: v1\nkind: Config\nclusters: [{name: gone, cluster: {server: "http://127.0.0.1:9"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: gone, context: {cluster: gone, user: u}}]\ncurrent-context: gone\n`);
  remote = makeRemote(root, { 'locations/local.yaml': LOCAL_LOCATION, 'policies/teams.yaml': TEAMS, 'clusters/gone.yaml': GONE_CLUSTER, 'policies/broken.yaml': BROKEN }, { name: 'api' });
  engine = new Engine(engineConfig({ repoUrl: remote.bare, dataDir: join(root, 'api-data'), kubeconfig, now: () => now, env: { ...process.env, GONE_KUBECONFIG: gone } }));
  const state = new ServerState(engine);
  const tick = async () => {
    const r = await engine.tick();
    state.recordTick(r);
    ticked.push(...r.results.map((a) => `${a.action.type} ${a.outcome}`));
  };
  await tick();
  now = new Date('2026-11-21T06:20:00Z');
  await tick();
  // The Secret changes after the backups; the restore then puts the old value back.
  const client = await connectCluster({ kubeconfigPath: kubeconfig });
  await client.patch({ group: '', version: 'v1', resource: 'secrets', namespaced: true }, 'team-a', 'app-db', { stringData: { password: NEW_PASSWORD } }, 'merge');
  client.close();
  humanCommit(remote, { 'modifiers/label-restored.yaml': MODIFIER, 'restores/undo-team-a.yaml': RESTORE }, 'restore team-a');
  now = new Date('2026-11-21T06:25:00Z');
  await tick();
  await state.refreshCommits();
  server = await startServer({ listen: '127.0.0.1:0', state, auth: { webhookSecret: 'hook-secret' }, onWebhook: () => {} });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const doc = await (await fetch(`${base}/api/v1/openapi.json`)).json();
  expect(doc.openapi).toBe('3.0.3');
  validate = openApiValidator(doc);
}, 120_000);

afterAll(() => {
  server?.close();
});

describe('GET /api/v1', () => {
  it('the scenario ran as the test expects: backups, a failed one, a restore', () => {
    expect(ticked).toContain('backup Completed');
    expect(ticked).toContain('backup Failed');
    expect(ticked).toContain('restore Completed');
  });

  it('/policies: each policy with type, cluster, location, schedule, next due time, last backups and conditions', async () => {
    const body = await get('/policies');
    const byName = Object.fromEntries(body.policies.map((p: any) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(['broken', 'teams']);
    expect(byName.teams).toMatchObject({ type: 'resources', cluster: 'default', location: 'local', schedule: '@every 20m', keep: 3, nextScheduledTime: '2026-11-21T06:40:00Z', state: 'Active' });
    expect(byName.teams.lastBackups.map((b: any) => [b.name, b.phase])).toEqual([
      ['teams-20261121062000', 'Completed'],
      ['teams-20261121060000', 'Completed'],
    ]);
    expect(byName.teams.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    expect(byName.broken.cluster).toBe('gone');
    expect(byName.broken.lastBackups[0]).toMatchObject({ name: 'broken-first', phase: 'Failed' });
    expect(await get('/policies/teams')).toEqual(byName.teams);
    await get('/policies/nope', 404);
  });

  it('/backups: filters by policy, cluster, location and phase, and pages', async () => {
    const all = await get('/backups');
    const names = all.items.map((b: any) => b.name);
    // The restore's safety backup is there too, marked as such.
    expect(names).toEqual(expect.arrayContaining(['teams-20261121062000', 'teams-20261121060000']));
    const safety = all.items.find((b: any) => b.preRestoreFor === 'undo-team-a');
    expect(safety).toBeDefined();
    expect((await get('/backups?policy=teams&phase=Completed')).items.map((b: any) => b.name)).toEqual(['teams-20261121062000', 'teams-20261121060000']);
    expect((await get('/backups?cluster=nope')).items).toEqual([]);
    expect((await get('/backups?location=local')).total).toBe(all.total);
    const page1 = await get('/backups?policy=teams&limit=1');
    expect(page1.items.map((b: any) => b.name)).toEqual(['teams-20261121062000']);
    const page2 = await get(`/backups?policy=teams&limit=1&continue=${page1.continue}`);
    expect(page2.items.map((b: any) => b.name)).toEqual(['teams-20261121060000']);
    expect(page2.continue).toBeUndefined();
    await get('/backups?limit=0', 400);
    await get('/backups?limit=abc', 400);
    await get('/backups?continue=!!!', 400);
  });

  it('/backups/{name}: metadata, item counts per resource, checksums, encryption; and its log', async () => {
    const b = await get('/backups/teams-20261121060000');
    expect(b).toMatchObject({ name: 'teams-20261121060000', location: 'local', type: 'resources', policy: 'teams', phase: 'Completed', encrypted: false, encryption: null });
    expect(b.itemCounts.secrets).toBe(1);
    expect(b.artifacts.map((a: any) => a.file).sort()).toEqual(['index.json.gz', 'log.jsonl.gz', 'resources.tar.gz']);
    for (const a of b.artifacts) expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    const log = await get('/backups/teams-20261121060000/log');
    expect(log.entries.length).toBeGreaterThan(0);
    await get('/backups/nope', 404);
    await get('/backups/teams-20261121060000?location=elsewhere', 404);
    await get('/backups/nope/log', 404);
  });

  it('/restores: phase, counts, per-item results and modifier diffs, with Secret values redacted', async () => {
    const list = await get('/restores');
    expect(list.items).toEqual([expect.objectContaining({ name: 'undo-team-a', phase: 'Completed', backupName: 'teams-20261121062000', resourceModifier: 'label-restored' })]);
    const r = await get('/restores/undo-team-a');
    expect(r.counts.total).toBeGreaterThan(0);
    const secret = r.items.find((i: any) => i.groupResource === 'secrets' && i.name === 'app-db');
    expect(secret).toMatchObject({ action: 'updated' });
    expect(secret.diff).toEqual([{ path: '/data/password', op: 'replace', old: '<redacted>', new: '<redacted>' }]);
    const cm = r.items.find((i: any) => i.groupResource === 'configmaps' && i.diff?.some((d: any) => d.path === '/metadata/labels/restored'));
    expect(cm, 'a ConfigMap the modifier labelled').toBeDefined();
    expect(cm.modifiers).toEqual([0]);
    await get('/restores/nope', 404);
  });

  it('/plan: what the next tick would do, with reasons', async () => {
    // At 06:40 the teams policy's next "@every 20m" slot is due: the plan has an action to explain.
    now = new Date('2026-11-21T06:40:00Z');
    const plan = await get('/plan');
    now = new Date('2026-11-21T06:25:00Z');
    expect(plan.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(plan.summary.total).toBe(plan.actions.length);
    expect(plan.actions).toContainEqual(expect.objectContaining({ type: 'backup', policy: 'teams', backupName: 'teams-20261121064000' }));
    for (const a of plan.actions) expect(a.reason).toMatch(/\S/);
  });

  it('/events: recent ticks with commit, actions and errors; the last status commits with their Cairn-Action trailers', async () => {
    const ev = await get('/events');
    expect(ev.ticks).toHaveLength(3);
    expect(ev.ticks[0].actions.map((a: any) => a.trailer)).toContain('restore undo-team-a Completed');
    expect(ev.ticks[0].commit).toMatch(/^[0-9a-f]{40}$/);
    expect(ev.commits[0].commit).toBe(ev.ticks[0].commit);
    expect(ev.commits[0].actions).toContain('restore undo-team-a Completed');
    expect(ev.commits.flatMap((c: any) => c.actions)).toContain('backup broken-first Failed');
    // A local remote has no web page to link to.
    expect(ev.commits[0].url).toBeUndefined();
  });

  it('answers from the engine state: a backup another writer adds appears only after a listing', async () => {
    const backups = join(root, 'api-data', 'backups', 'backups');
    expect(existsSync(join(backups, 'teams-20261121060000', 'manifest.json'))).toBe(true);
    cpSync(join(backups, 'teams-20261121060000'), join(backups, 'teams-20261120060000'), { recursive: true });
    const copied = join(backups, 'teams-20261120060000', 'manifest.json');
    writeFileSync(copied, JSON.stringify({ ...JSON.parse(readFileSync(copied, 'utf8')), name: 'teams-20261120060000', scheduledTime: '2026-11-20T06:00:00Z' }));
    for (let i = 0; i < 20; i++) expect((await get('/backups?policy=teams')).items.map((b: any) => b.name)).not.toContain('teams-20261120060000');
    await get('/backups/teams-20261120060000', 404);
    // A new listing does show it: the API above did not list.
    const store = await engine.connections.location(engine.snapshot()!.repo.locations[0]);
    expect((await store.listInventory()).backups.map((b) => b.manifest?.name)).toContain('teams-20261120060000');
  });

  it('anything else: 404 as JSON, 405 for writes', async () => {
    await get('/nothing', 404).catch(() => undefined);
    const res = await fetch(`${base}/api/v1/nothing`);
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('NotFound');
    expect((await fetch(`${base}/api/v1/policies`, { method: 'POST', body: '{}' })).status).toBe(405);
  });
});

describe('auth', () => {
  it('a read token guards /status, /metrics, /api/v1 and the page; probes stay open', async () => {
    const state = new ServerState(engine);
    const guarded = await startServer({ listen: '127.0.0.1:0', state, auth: { readToken: 'read-me' }, onWebhook: () => {} });
    const at = `http://127.0.0.1:${(guarded.address() as { port: number }).port}`;
    try {
      for (const path of ['/status', '/metrics', '/api/v1/policies', '/api/v1/openapi.json', '/', '/app.js']) {
        expect((await fetch(`${at}${path}`)).status, path).toBe(401);
        expect((await fetch(`${at}${path}`, { headers: { authorization: 'Bearer wrong' } })).status, path).toBe(401);
        expect((await fetch(`${at}${path}`, { headers: { authorization: 'Bearer read-me' } })).status, path).toBe(200);
      }
      expect((await fetch(`${at}/healthz`)).status).toBe(200);
      // The page's login sets an HttpOnly cookie that the API then accepts.
      const login = await fetch(`${at}/?token=read-me`, { redirect: 'manual' });
      expect(login.status).toBe(303);
      const cookie = login.headers.get('set-cookie')!;
      expect(cookie).toMatch(/HttpOnly/);
      expect((await fetch(`${at}/api/v1/policies`, { headers: { cookie: cookie.split(';')[0] } })).status).toBe(200);
      expect((await fetch(`${at}/?token=wrong`, { redirect: 'manual' })).status).toBe(401);
    } finally {
      guarded.close();
    }
  });

  it('under leader election a standby is ready and says so on /readyz and /status', async () => {
    let role: 'leader' | 'standby' = 'standby';
    const replica = await startServer({ listen: '127.0.0.1:0', state: new ServerState(engine), auth: {}, onWebhook: () => {}, role: () => ({ role }) });
    const at = `http://127.0.0.1:${(replica.address() as { port: number }).port}`;
    try {
      const ready = await fetch(`${at}/readyz`);
      expect([ready.status, await ready.text()]).toEqual([200, 'standby\n']);
      expect((await (await fetch(`${at}/status`)).json()).leaderElection).toEqual({ role: 'standby' });
      role = 'leader';
      // A leader is ready once it has ticked; this state has recorded none.
      expect((await fetch(`${at}/readyz`)).status).toBe(503);
    } finally {
      replica.close();
    }
  });

  it('the webhook accepts GitHub HMAC signatures and GitLab tokens, refuses the rest', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    const sign = (secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const post = (headers: Record<string, string>, b = body) => fetch(`${base}/webhook`, { method: 'POST', body: b, headers });
    expect((await post({ 'x-hub-signature-256': sign('hook-secret') })).status).toBe(202);
    expect((await post({ 'x-hub-signature-256': sign('wrong') })).status).toBe(401);
    expect((await post({ 'x-hub-signature-256': sign('hook-secret') }, `${body} `)).status).toBe(401);
    expect((await post({ 'x-hub-signature-256': 'sha256=zz' })).status).toBe(401);
    expect((await post({ 'x-gitlab-token': 'hook-secret' })).status).toBe(202);
    expect((await post({ 'x-gitlab-token': 'hook-secre' })).status).toBe(401);
    expect((await post({})).status).toBe(401);

    const open = await startServer({ listen: '127.0.0.1:0', state: new ServerState(), auth: {}, onWebhook: () => {} });
    try {
      const res = await fetch(`http://127.0.0.1:${(open.address() as { port: number }).port}/webhook`, { method: 'POST', body });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('CAIRN_WEBHOOK_SECRET');
    } finally {
      open.close();
    }
  });
});
