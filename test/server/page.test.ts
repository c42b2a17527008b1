// The status page in a real browser: Debian's chromium, driven by playwright-core (no browser
// download), against the served demo (`cairn start --serve`, a real process). The page loads
// without console errors, lists the demo's policies and backups, shows the rollback restore with
// its modifier diff, and — after a push and a signed webhook make a backup fail — shows the failed
// backup distinctly without a reload. The screenshot is kept in test/artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { git, humanCommit } from '../git/helpers.ts';
import { freePort, ROOT, startCairn, waitFor, type Child } from './support.ts';

const CHROMIUM = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test', 'artifacts');
const SECRET = 'page-test-webhook-secret';
// Values of the demo's Secrets (samples/cluster): none may appear on the page.
const SECRET_VALUES = ['dummy-password-not-real', 'eyJhdXRocyI6eyJyZWdpc3RyeS5leGFtcGxl'];

let root: string;
let child: Child;
let url: string;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (test/run-tests.mjs does in CI)`);
  root = mkdtempSync(join(tmpdir(), 'cairn-page-test-'));
  const gone = join(root, 'gone-kubeconfig.yaml');
  writeFileSync(gone, `apiVersion: v1\nkind: Config\nclusters: [{name: gone, cluster: {server: "http://127.0.0.1:9"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: gone, context: {cluster: gone, user: u}}]\ncurrent-context: gone\n`);
  const port = await freePort();
  child = startCairn(['start', '--dir', join(root, 'demo'), '--start', '2026-11-21T06:00:00Z', '--serve', '--listen', `127.0.0.1:${port}`], root, { CAIRN_WEBHOOK_SECRET: SECRET, GONE_KUBECONFIG: gone });
  url = await waitFor('the URL line', async () => /The status page and the read API: (http:\/\/\S+\/) /.exec(child.stdout())?.[1], () => child.stdout() + child.stderr(), 150_000);
  expect(url).toBe(`http://127.0.0.1:${port}/`);
  context = await chromium.launchPersistentContext(join(root, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url()}`));
  // Nothing but the engine: a request to any other origin (a CDN) fails the test.
  await page.route((u) => !u.href.startsWith(url), (route) => {
    consoleErrors.push(`off-origin request: ${route.request().url()}`);
    return route.abort();
  });
}, 200_000);

afterAll(async () => {
  await context?.close();
  if (child?.alive()) {
    child.kill('SIGINT');
    await child.exited;
  }
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the status page (chromium)', () => {
  it('loads with no console errors and lists the demo policies and their backups', async () => {
    await page.goto(url);
    await page.waitForSelector('[data-policy="kcm"] [data-backup]');
    for (const p of ['kcm', 'etcd-like', 'daily-encrypted', 'before-upgrade']) await expect(page.locator(`[data-policy="${p}"]`).count()).resolves.toBe(1);
    await expect(page.locator('[data-policy="kcm"] [data-backup="kcm-20261121060000"] td.phase').textContent()).resolves.toBe('Completed');
    await expect(page.locator('[data-backup="etcd-like-20261121060000"] td.phase').textContent()).resolves.toBe('Deleted');
    await expect(page.locator('[data-backup="etcd-like-20261121070000"] td.phase').textContent()).resolves.toBe('Expiring');
    await expect(page.locator('[data-cluster="prod"]').count()).resolves.toBe(1);
    expect(await page.locator('#commits').textContent()).toContain('Cairn-Action: restore rollback-release Completed');
    expect(consoleErrors).toEqual([]);
  });

  it('shows the rollback restore with its modifier diff', async () => {
    const restore = page.locator('[data-restore="rollback-release"]');
    await restore.locator('summary').click();
    const item = restore.locator('[data-item="managements.k0rdent.mirantis.com/kcm"]');
    await expect(item.locator('.modifier').textContent()).resolves.toBe('modifier rule 0');
    await expect(item.locator('.diff').textContent()).resolves.toBe('/spec/release kcm-1-2-0 → kcm-1-0-0');
    expect(await restore.locator('summary').textContent()).toContain('Completed');
  });

  it('after a push and a signed webhook, shows the failed backup distinctly, without a reload', async () => {
    const bare = join(root, 'demo', 'policy.git');
    const human = join(root, 'page-human');
    git(root, 'clone', '-q', bare, human);
    humanCommit(
      { bare, human, branch: 'main' },
      {
        'clusters/gone.yaml': 'apiVersion: cairn.dev/v1alpha1\nkind: Cluster\nmetadata: {name: gone}\nspec: {kubeconfigFromEnv: GONE_KUBECONFIG}\n',
        'policies/unreachable.yaml': 'apiVersion: cairn.dev/v1alpha1\nkind: BackupPolicy\nmetadata: {name: unreachable}\nspec:\n  cluster: gone\n  trigger: "first"\n  includedNamespaces: [kcm-system]\n',
      },
      'back up a cluster that is down',
    );
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    const hook = await fetch(`${url}webhook`, { method: 'POST', body, headers: { 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` } });
    expect(hook.status).toBe(202);
    const failed = page.locator('[data-policy="unreachable"] [data-backup="unreachable-first"]');
    await failed.waitFor({ timeout: 60_000 });
    expect(await failed.getAttribute('data-phase')).toBe('Failed');
    await expect(failed.locator('td.phase').textContent()).resolves.toBe('✕ Failed');
    // Distinct: its row and phase are coloured unlike a completed backup's.
    const style = (sel: string) => page.locator(sel).evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color].join(' '));
    const completed = '[data-backup="kcm-20261121060000"] td.phase';
    expect(await style('[data-backup="unreachable-first"] td.phase')).not.toBe(await style(completed));
    await expect(page.locator('[data-policy="unreachable"] .mark.Failed').count()).resolves.toBe(1);
    await expect(page.locator('[data-cluster="gone"]').count()).resolves.toBe(1);
    expect(consoleErrors).toEqual([]);
  });

  it('never shows a Secret value; keeps a screenshot', async () => {
    const html = await page.content();
    for (const v of SECRET_VALUES) expect(html).not.toContain(v);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });
    expect(existsSync(join(ARTIFACTS, 'status-page.png'))).toBe(true);
  });

  it('the served demo stops on Ctrl-C', async () => {
    child.kill('SIGINT');
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });
});
