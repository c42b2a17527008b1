// Issue 21's traps, each run as a newcomer would meet it, through the real CLI process:
// backups never land in a Git work tree, a work-tree remote is refused before anything is done,
// and nothing found or nothing readable never exits 0 (no false greens).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import { ROOT, cairn } from './helpers.ts';

let sim: Simulator;
let root: string;
let kubeconfig: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-traps-'));
  sim = await startSimulator({ seedDir: join(ROOT, 'samples/cluster') });
  kubeconfig = join(root, 'kubeconfig.yaml');
  await sim.writeKubeconfig(kubeconfig);
});

afterAll(async () => {
  await sim?.stop();
  rmSync(root, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=New User', '-c', 'user.email=new@example.com', ...args], { cwd, encoding: 'utf8' });
}

/** README step 1: a copy of policies/ committed in a fresh work tree. */
function policyWorkTree(name: string): string {
  const dir = join(root, name);
  cpSync(join(ROOT, 'policies'), dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'Add backup policies');
  return dir;
}

describe('backups never land in a Git work tree', () => {
  it('backup create inside the policy repository writes to the XDG state dir and leaves git status clean', async () => {
    const repo = policyWorkTree('step1');
    const state = join(root, 'xdg-state');
    const r = await cairn(['backup', 'create', '--policy', 'kcm', '--name', 'kcm-manual', '-o', 'json'], repo, { PROD_KUBECONFIG: kubeconfig, XDG_STATE_HOME: state });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'kcm-manual', phase: 'Completed' });
    expect(existsSync(join(state, 'cairn', 'backups', 'backups', 'kcm-manual', 'manifest.json'))).toBe(true);
    expect(git(repo, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('refuses a --data-dir inside a work tree that does not ignore it, saying why and what to do', async () => {
    const repo = policyWorkTree('inside');
    const r = await cairn(['backup', 'create', '--policy', 'kcm', '--data-dir', '.cairn/data'], repo, { PROD_KUBECONFIG: kubeconfig });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^cairn backup create: --data-dir ${join(repo, '.cairn/data')} is inside the Git work tree ${repo} and not ignored there`));
    expect(existsSync(join(repo, '.cairn'))).toBe(false);
    // Ignored by that repository: allowed (git add -A leaves it alone).
    writeFileSync(join(repo, '.gitignore'), '.cairn/\n');
    const ok = await cairn(['backup', 'create', '--policy', 'kcm', '--data-dir', '.cairn/data', '--name', 'kcm-ignored'], repo, { PROD_KUBECONFIG: kubeconfig });
    expect(ok.code, ok.stderr).toBe(0);
    expect(git(repo, 'status', '--porcelain', '--untracked-files=all')).toBe('?? .gitignore\n');
  });
});

describe('a work tree as the remote', () => {
  it('reconcile --once refuses it before taking any backup, and says to use a bare repository', async () => {
    const repo = policyWorkTree('worktree-remote');
    const data = join(root, 'wt-data');
    const r = await cairn(['reconcile', '--once', '--repo', repo, '--data-dir', data, '--now', '2026-11-21T06:00:00Z'], root, { PROD_KUBECONFIG: kubeconfig, CAIRN_PASSPHRASE: 'p' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `cairn reconcile: --repo ${repo} is a work tree with branch main checked out: git refuses cairn's status pushes to it ("refusing to update checked out branch"), so nothing was done. ` +
        `Point --repo at a bare repository (git clone --bare ${repo} ${repo}.git) or at a Git host URL\n`,
    );
    expect(existsSync(data)).toBe(false);
    // The advice works.
    git(root, 'clone', '-q', '--bare', repo, `${repo}.git`);
    const ok = await cairn(['reconcile', '--once', '--repo', `${repo}.git`, '--data-dir', data, '--now', '2026-11-21T06:00:00Z'], root, { PROD_KUBECONFIG: kubeconfig, CAIRN_PASSPHRASE: 'p' });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/status commit [0-9a-f]{12}/);
  });
});

describe('no false greens', () => {
  it('validate on a directory with no policy files exits 1 and says so', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const r = await cairn(['validate', empty], root);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`cairn validate: ${empty}: no cairn objects found (looked for YAML files under locations/, clusters/, policies/, restores/, modifiers/); is this the policy repository?\n`);
  });

  it('plan --repo on a bare repository reads its branch, and accepts file:// URLs', async () => {
    const repo = policyWorkTree('bare-source');
    git(root, 'clone', '-q', '--bare', repo, join(root, 'bare-source.git'));
    for (const url of [join(root, 'bare-source.git'), `file://${join(root, 'bare-source.git')}`]) {
      const r = await cairn(['plan', '--repo', url, '--data-dir', join(root, 'plan-data'), '-o', 'json', '--now', '2026-11-21T06:00:00Z'], root);
      expect(r.code, r.stderr).toBe(0);
      const plan = JSON.parse(r.stdout);
      expect(plan.actions.map((a: { policy?: string }) => a.policy)).toContain('kcm');
    }
  });

  it('plan on a directory that holds no policies exits 1', async () => {
    const r = await cairn(['plan', '--repo', join(root, 'empty'), '--data-dir', join(root, 'plan-data')], root);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cairn plan: .*empty holds no cairn objects/);
  });

  it('backup get exits 2 on a location path that does not exist, 1 on an empty one, naming it', async () => {
    const wrong = join(root, 'wrong-data');
    const r = await cairn(['backup', 'get', '--repo', join(ROOT, 'policies'), '--data-dir', wrong], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`cairn backup get: filesystem location ${join(wrong, 'backups')} does not exist, nor does ${wrong}: is the storage mounted, and is the data directory the one the reconciler uses?\n`);
    mkdirSync(wrong);
    const empty = await cairn(['backup', 'get', '--repo', join(ROOT, 'policies'), '--data-dir', wrong], root);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^cairn backup get: location local holds no backups/);
  });

  it('plan with a data directory that does not exist blocks the policies of its filesystem locations', async () => {
    const r = await cairn(['plan', '--repo', join(ROOT, 'policies'), '--data-dir', '/does/not/exist', '-o', 'json', '--now', '2026-11-21T06:00:00Z'], root);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.actions).toEqual([]);
    expect(Object.keys(plan.unobserved).sort()).toEqual(['local', 'offsite', 'vault']);
    expect(plan.unobserved.local).toBe('filesystem location /does/not/exist/backups does not exist, nor does /does/not/exist: is the storage mounted, and is the data directory the one the reconciler uses?');
    expect(plan.blocked.map((b: { message: string }) => b.message).join('\n')).toMatch(/policy kcm: location local was not observed/);
  });

  it('a location that lost its marker while Git status records backups there is blocked, not read as empty', async () => {
    const share = join(root, 'nfs', 'backups');
    const seed = join(root, 'marker-repo');
    mkdirSync(join(seed, 'locations'), { recursive: true });
    mkdirSync(join(seed, 'policies'), { recursive: true });
    writeFileSync(join(seed, 'locations', 'nfs.yaml'), `apiVersion: cairn.dev/v1alpha1\nkind: BackupLocation\nmetadata: {name: nfs}\nspec:\n  default: true\n  provider: filesystem\n  filesystem: {path: ${share}}\n`);
    writeFileSync(join(seed, 'policies', 'team-a.yaml'), 'apiVersion: cairn.dev/v1alpha1\nkind: BackupPolicy\nmetadata: {name: team-a}\nspec:\n  schedule: "@every 20m"\n  keep: 1\n  includedNamespaces: [team-a]\n');
    git(seed, 'init', '-q', '-b', 'main');
    git(seed, 'add', '-A');
    git(seed, 'commit', '-q', '-m', 'seed');
    const bare = join(root, 'marker-repo.git');
    git(root, 'clone', '-q', '--bare', seed, bare);
    const args = (now: string) => ['reconcile', '--once', '--repo', bare, '--data-dir', join(root, 'marker-data'), '--kubeconfig', kubeconfig, '--now', now];

    mkdirSync(share, { recursive: true }); // the mounted share
    const first = await cairn(args('2026-11-21T06:00:00Z'), root);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('backup team-a-20261121060000 Completed');
    expect(existsSync(join(share, 'cairn-location.json'))).toBe(true);

    // The share is unmounted: the mount point is an empty directory again.
    rmSync(join(root, 'nfs'), { recursive: true });
    mkdirSync(share, { recursive: true });
    const second = await cairn(args('2026-11-21T06:25:00Z'), root);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toMatch(/backup team-a-/);
    expect(second.stdout).toContain('location nfs not observed: location nfs lists no backups and has no marker (cairn-location.json), but status/ records backups there');
    expect(readdirSync(share)).toEqual([]);
  });

  it('start with an S3 endpoint and no keys exits 2 before the demo runs', async () => {
    const dir = join(root, 'demo-s3');
    const r = await cairn(['start', '--dir', dir, '--s3-endpoint', 'http://127.0.0.1:1', '--s3-bucket', 'b'], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('cairn start: --s3-endpoint http://127.0.0.1:1 needs S3_ACCESS_KEY and S3_SECRET_KEY set to the bucket\'s keys\n');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it('a Cluster whose kubeconfig variable points nowhere names the variable', async () => {
    const repo = policyWorkTree('bad-kubeconfig');
    const r = await cairn(['backup', 'create', '--policy', 'kcm', '--data-dir', join(root, 'bk-data')], repo, { PROD_KUBECONFIG: '/nonexistent' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('cairn backup create: clusters/prod.yaml: Cluster "prod": PROD_KUBECONFIG=/nonexistent: no such kubeconfig file\n');
  });
});
