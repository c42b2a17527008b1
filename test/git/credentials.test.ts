import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitEnvironment, locateRemote } from '../../src/git/credentials.ts';
import { GitError, openPolicyRepo, scrub } from '../../src/git/index.ts';
import { git, head, makeRemote, tempRoot, type Remote } from './helpers.ts';
import { startGitHttpServer, type GitHttpServer } from './http-server.ts';

const TOKEN = 'ghp_s3cr3tT0kenValue1234';

describe('locateRemote', () => {
  it('takes userinfo out of an HTTPS URL so it is never stored as the remote', () => {
    const loc = locateRemote('https://bot:p%40ss-w0rd@git.example.com/org/policies.git');
    expect(loc).toEqual({ remote: 'https://git.example.com/org/policies.git', local: false, userinfo: { username: 'bot', password: 'p@ss-w0rd' } });
  });

  it('keeps an ssh user name (part of the address), leaves scp-like URLs alone, resolves local paths', () => {
    expect(locateRemote('ssh://git@git.example.com:2222/org/p.git')).toEqual({ remote: 'ssh://git@git.example.com:2222/org/p.git', local: false });
    expect(locateRemote('git@github.com:org/policies.git')).toEqual({ remote: 'git@github.com:org/policies.git', local: false });
    expect(locateRemote('repos/policy.git', '/srv')).toEqual({ remote: '/srv/repos/policy.git', local: true });
    expect(locateRemote('file:///srv/policy.git')).toEqual({ remote: 'file:///srv/policy.git', local: true });
  });

  it('refuses an empty URL and unsupported schemes with a clear error', () => {
    expect(() => locateRemote('  ')).toThrow(/empty/);
    expect(() => locateRemote('ftp://host/repo.git')).toThrow(/unsupported policy repository URL scheme "ftp:"/);
  });
});

describe('scrub', () => {
  it('removes URL userinfo and known secrets from text', () => {
    const text = `fatal: unable to access 'https://bot:${TOKEN}@git.example.com/x.git/': token ${TOKEN} rejected`;
    const out = scrub(text, [TOKEN]);
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain('bot:');
    expect(out).toBe("fatal: unable to access 'https://***@git.example.com/x.git/': token *** rejected");
  });
});

describe('gitEnvironment', () => {
  it('never prompts, drops inherited git redirection and editors, keeps TLS settings', async () => {
    const { env, secrets } = await gitEnvironment(
      { PATH: '/usr/bin', GIT_DIR: '/elsewhere/.git', GIT_AUTHOR_NAME: 'Someone', EDITOR: 'vim', GIT_SSL_CAINFO: '/etc/ca.pem', GIT_ASKPASS: '/usr/bin/ksshaskpass' },
      locateRemote('https://git.example.com/x.git'),
    );
    expect(env.GIT_TERMINAL_PROMPT).toBe('0');
    expect(env.GIT_DIR).toBeUndefined();
    expect(env.GIT_AUTHOR_NAME).toBeUndefined();
    expect(env.EDITOR).toBeUndefined();
    expect(env.GIT_ASKPASS).toBeUndefined();
    expect(env.GIT_SSL_CAINFO).toBe('/etc/ca.pem');
    expect(env.GIT_SSH_COMMAND).toBe('ssh -o BatchMode=yes');
    expect(secrets).toEqual([]);
  });

  it('hands a token to git through an askpass helper that holds no secret', async () => {
    const { env, secrets } = await gitEnvironment({ CAIRN_GIT_TOKEN: TOKEN }, locateRemote('https://git.example.com/x.git'));
    expect(env.CAIRN_ASKPASS_USERNAME).toBe('x-access-token');
    expect(env.CAIRN_ASKPASS_PASSWORD).toBe(TOKEN);
    expect(secrets).toContain(TOKEN);
    expect(readFileSync(env.GIT_ASKPASS, 'utf8')).not.toContain(TOKEN);
  });

  it('builds GIT_SSH_COMMAND from a key file and a known_hosts file, quoted for the shell', async () => {
    const { env } = await gitEnvironment(
      { CAIRN_GIT_SSH_KEY_FILE: "/keys/it's id", CAIRN_GIT_SSH_KNOWN_HOSTS_FILE: '/keys/known_hosts' },
      locateRemote('git@github.com:org/p.git'),
    );
    expect(env.GIT_SSH_COMMAND).toBe(
      "ssh -i '/keys/it'\\''s id' -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile='/keys/known_hosts' -o StrictHostKeyChecking=yes",
    );
  });

  it('names the variable when the token file cannot be read', async () => {
    const err = await gitEnvironment({ CAIRN_GIT_TOKEN_FILE: '/nonexistent/token' }, locateRemote('https://h/x.git')).catch((e: unknown) => e);
    expect((err as GitError).code).toBe('git.auth');
    expect((err as GitError).message).toBe('CAIRN_GIT_TOKEN_FILE=/nonexistent/token cannot be read (ENOENT): mount the token file or unset the variable');
  });
});

describe('HTTPS credentials against a real smart-HTTP git server', () => {
  let t: ReturnType<typeof tempRoot>;
  let remote: Remote;
  let server: GitHttpServer;
  let url: string;
  let n = 0;
  const workdir = () => join(t.root, `cairn-${++n}`);
  const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };

  beforeAll(async () => {
    t = tempRoot();
    remote = makeRemote(t.root, { 'policies/kcm.yaml': 'kind: BackupPolicy\n' }, { name: 'served' });
    git(remote.bare, 'config', 'http.receivepack', 'true');
    server = await startGitHttpServer(t.root, { username: 'x-access-token', password: TOKEN });
    url = `${server.url}/served.git`;
  });
  afterAll(async () => {
    await server.close();
    t.cleanup();
  });

  function storedConfig(dir: string): string {
    return readFileSync(join(dir, '.git', 'config'), 'utf8');
  }

  it('clones and pushes with CAIRN_GIT_TOKEN, storing no credential in the clone', async () => {
    server.seen.length = 0;
    const repo = await openPolicyRepo({ url, workdir: workdir(), env: { ...baseEnv, CAIRN_GIT_TOKEN: TOKEN } });
    await repo.sync();
    const res = await repo.commitStatus({ files: { 'status/policies/kcm.yaml': 'phase: Ready\n' }, subject: 'cairn: status', body: [], trailers: [['Cairn-Action', 'policy kcm Ready']] });
    expect(res.pushed).toBe(true);
    expect(head(remote.bare)).toBe(res.commit);
    expect(server.seen).toContain(`Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`);
    expect(git(repo.dir, 'config', 'remote.origin.url').trim()).toBe(url);
    const config = storedConfig(repo.dir);
    expect(config).not.toContain(TOKEN);
    expect(config).toMatch(/helper = $/m);
    // Nothing anywhere in the clone's .git holds the token (no credential store, no URL).
    expect(grepDir(join(repo.dir, '.git'), TOKEN)).toEqual([]);
  });

  it('accepts a token in the URL but keeps it out of .git/config', async () => {
    const withUserinfo = url.replace('http://', `http://x-access-token:${TOKEN}@`);
    const repo = await openPolicyRepo({ url: withUserinfo, workdir: workdir(), env: baseEnv });
    expect((await repo.sync()).revision).toBe(head(remote.bare));
    expect(git(repo.dir, 'config', 'remote.origin.url').trim()).toBe(url);
    expect(storedConfig(repo.dir)).not.toContain(TOKEN);
    expect(repo.remote).toBe(url);
  });

  it('rewrites an old clone whose stored URL carried a token', async () => {
    const dir = workdir();
    await openPolicyRepo({ url, workdir: dir, env: { ...baseEnv, CAIRN_GIT_TOKEN: TOKEN } });
    git(dir, 'remote', 'set-url', 'origin', url.replace('http://', `http://x-access-token:${TOKEN}@`));
    await openPolicyRepo({ url, workdir: dir, env: { ...baseEnv, CAIRN_GIT_TOKEN: TOKEN } });
    expect(storedConfig(dir)).not.toContain(TOKEN);
  });

  it('reports a wrong token as git.auth without echoing it, from the env or from the URL', async () => {
    const wrong = 'ghp_wrongWrongWrong9876';
    const fromEnv = await openPolicyRepo({ url, workdir: workdir(), env: { ...baseEnv, CAIRN_GIT_TOKEN: wrong } }).catch((e: unknown) => e);
    expect(fromEnv).toBeInstanceOf(GitError);
    expect((fromEnv as GitError).code).toBe('git.auth');
    expect((fromEnv as GitError).message).toMatch(/CAIRN_GIT_TOKEN/);
    expect((fromEnv as GitError).message).not.toContain(wrong);

    const fromUrl = await openPolicyRepo({ url: url.replace('http://', `http://bot:${wrong}@`), workdir: workdir(), env: baseEnv }).catch((e: unknown) => e);
    expect((fromUrl as GitError).code).toBe('git.auth');
    expect((fromUrl as GitError).message).not.toContain(wrong);
    expect(String((fromUrl as GitError).target)).not.toContain(wrong);
  });

  it('fails fast with git.auth, never prompting, when no credential is configured', async () => {
    const err = await openPolicyRepo({ url, workdir: workdir(), env: baseEnv }).catch((e: unknown) => e);
    expect((err as GitError).code).toBe('git.auth');
    expect((err as GitError).message).toMatch(/terminal prompts disabled|could not read Username/);
  });

  it('re-reads CAIRN_GIT_TOKEN_FILE before each fetch, so a rotated token just works', async () => {
    const tokenFile = join(t.root, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const repo = await openPolicyRepo({ url, workdir: workdir(), env: { ...baseEnv, CAIRN_GIT_TOKEN_FILE: tokenFile } });
    const rotated = 'ghp_rotatedToken5555';
    server.creds.password = rotated;
    try {
      const stale = await repo.sync().catch((e: unknown) => e);
      expect((stale as GitError).code).toBe('git.auth');
      expect((stale as GitError).message).not.toContain(TOKEN);
      writeFileSync(tokenFile, rotated);
      expect((await repo.sync()).revision).toBe(head(remote.bare));
    } finally {
      server.creds.password = TOKEN;
    }
  });
});

describe('SSH transport', () => {
  it('uses the configured key without prompting and reports an unreachable host plainly', async () => {
    const t = tempRoot();
    try {
      const key = join(t.root, 'id_ed25519');
      writeFileSync(key, 'not a real key\n', { mode: 0o600 });
      const err = await openPolicyRepo({
        url: 'ssh://git@127.0.0.1:9/org/policies.git',
        workdir: join(t.root, 'cairn'),
        env: { PATH: process.env.PATH, HOME: t.root, CAIRN_GIT_SSH_KEY_FILE: key },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitError);
      expect(['git.clone', 'git.auth']).toContain((err as GitError).code);
      expect((err as GitError).message).toMatch(/127\.0\.0\.1/);
    } finally {
      t.cleanup();
    }
  });
});

/** Files under dir whose bytes contain needle. */
function grepDir(dir: string, needle: string): string[] {
  const hits: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = resolve(entry.parentPath, entry.name);
    if (readFileSync(path).includes(needle)) hits.push(path);
  }
  return hits;
}
