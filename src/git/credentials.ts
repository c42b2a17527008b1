// How cairn authenticates to the policy repository, and the environment every git process gets.
//
// HTTPS (token or password), read from cairn's environment, never from Git:
//   CAIRN_GIT_TOKEN_FILE   a file holding the token (re-read before every fetch/push, so a rotated
//                          token is picked up without a restart); wins over the variables below
//   CAIRN_GIT_TOKEN        the token itself (or GIT_PASSWORD, the common CI spelling)
//   CAIRN_GIT_USERNAME     the user name sent with it (or GIT_USERNAME; default "x-access-token",
//                          which GitHub and GitLab accept for tokens)
//   A `https://user:token@host/...` URL also works: the userinfo is taken out of the URL and used
//   like the variables above, so it is never stored as remote.origin.url in the clone's .git/config.
// The secret reaches git through a GIT_ASKPASS helper script that prints it from the git process's
// own environment: the script on disk holds no secret, the URL holds none, and the clone's config
// sets `credential.helper=` (empty) so no credential helper of the machine stores it either.
//
// SSH (`ssh://` or `user@host:path` URLs):
//   CAIRN_GIT_SSH_KEY_FILE          private key (unencrypted), used as `ssh -i <file> -o IdentitiesOnly=yes`
//   CAIRN_GIT_SSH_KNOWN_HOSTS_FILE  known_hosts to check the server against (StrictHostKeyChecking=yes);
//                                   without it ssh's own known_hosts rules apply
//   An inherited GIT_SSH_COMMAND is honoured when no key file is given.
//
// Git never prompts: GIT_TERMINAL_PROMPT=0 and ssh runs with BatchMode=yes, so a missing or wrong
// credential is an immediate `git.auth` error, not a hung tick. Error messages are scrubbed of URL
// userinfo and of the secret values themselves (see errors.ts).
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GitError } from './errors.ts';

/** Where the remote is: the URL stored in the clone (no userinfo) and credentials taken out of it. */
export interface RemoteLocation {
  /** What cairn stores as remote.origin.url: an absolute path, or a URL without userinfo. */
  remote: string;
  /** True for file paths and file:// URLs (no credentials involved). */
  local: boolean;
  /** Userinfo found in the given URL, removed from `remote`. */
  userinfo?: { username: string; password?: string };
}

/**
 * Splits what the user configured into a clean remote and credentials. Follows git's own rule
 * for telling URLs apart: `scheme://` is a URL, a colon before the first slash is scp-like SSH
 * (`git@host:org/repo`), anything else is a local path (resolved to an absolute one).
 */
export function locateRemote(url: string, cwd = process.cwd()): RemoteLocation {
  const trimmed = url.trim();
  if (trimmed === '') throw new GitError('git.invalid-argument', 'the policy repository URL is empty: give a URL or a local path');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      throw new GitError('git.invalid-argument', 'the policy repository URL cannot be parsed: check its syntax');
    }
    if (parsed.protocol === 'file:') return { remote: trimmed, local: true };
    if (!/^(https?|ssh|git\+ssh|ssh\+git):$/.test(parsed.protocol)) {
      throw new GitError('git.invalid-argument', `unsupported policy repository URL scheme "${parsed.protocol}": use https://, ssh://, user@host:path or a local path`);
    }
    const ssh = parsed.protocol !== 'http:' && parsed.protocol !== 'https:';
    if (parsed.password !== '' || (!ssh && parsed.username !== '')) {
      const userinfo = { username: decodeURIComponent(parsed.username), password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password) };
      parsed.username = '';
      parsed.password = '';
      // An ssh user name is not a secret and is part of the address (ssh://git@host/...).
      if (ssh) parsed.username = userinfo.username;
      return { remote: parsed.toString(), local: false, userinfo };
    }
    return { remote: trimmed, local: false };
  }
  const firstSlash = trimmed.indexOf('/');
  const colon = trimmed.indexOf(':');
  if (colon > 0 && (firstSlash === -1 || colon < firstSlash)) return { remote: trimmed, local: false };
  return { remote: resolve(cwd, trimmed), local: true };
}

// Inherited variables that would redirect git (GIT_DIR inside a hook), change cairn's identity
// (GIT_AUTHOR_*), open an editor or pager, or that simple-git refuses to pass on. Git variables
// not on the keep-list are dropped; cairn sets what it needs itself.
const KEEP_GIT_VARS = /^GIT_(SSH|SSH_COMMAND|SSH_VARIANT|SSL_[A-Z_]+|HTTP_[A-Z_]+|TRACE[A-Z0-9_]*|CURL_VERBOSE|CONFIG_NOSYSTEM)$/;
const DROP_VARS = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX', 'SSH_ASKPASS']);

let askpassScript: Promise<string> | undefined;

/** The GIT_ASKPASS helper: it prints the answer from its own environment and holds no secret. */
function ensureAskpassScript(): Promise<string> {
  askpassScript ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-askpass-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'askpass.sh');
    const script = [
      '#!/bin/sh',
      '# cairn GIT_ASKPASS helper: answers from the git process environment, never from this file.',
      'case "$1" in',
      '  Username*|username*) printf \'%s\\n\' "$CAIRN_ASKPASS_USERNAME" ;;',
      '  *) printf \'%s\\n\' "$CAIRN_ASKPASS_PASSWORD" ;;',
      'esac',
      '',
    ].join('\n');
    await writeFile(file, script, { mode: 0o700 });
    await chmod(file, 0o700);
    return file;
  })();
  return askpassScript;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The environment for git processes, and the secret values to scrub from anything git prints. */
export interface GitEnvironment {
  env: Record<string, string>;
  secrets: string[];
}

/**
 * Builds the git environment from cairn's own. Re-run before each network operation so that
 * a token file rotated on disk (a mounted Kubernetes Secret) takes effect.
 */
export async function gitEnvironment(base: NodeJS.ProcessEnv, remote: RemoteLocation): Promise<GitEnvironment> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined) continue;
    const upper = key.toUpperCase();
    if (DROP_VARS.has(upper)) continue;
    if (upper.startsWith('GIT_') && !KEEP_GIT_VARS.test(upper)) continue;
    env[key] = value;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  env.GCM_INTERACTIVE = 'never';
  const secrets: string[] = [];

  let password: string | undefined;
  const tokenFile = base.CAIRN_GIT_TOKEN_FILE;
  if (tokenFile) {
    try {
      password = (await readFile(tokenFile, 'utf8')).trim();
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new GitError('git.auth', `CAIRN_GIT_TOKEN_FILE=${tokenFile} cannot be read (${reason}): mount the token file or unset the variable`, tokenFile);
    }
    if (password === '') throw new GitError('git.auth', `CAIRN_GIT_TOKEN_FILE=${tokenFile} is empty: write the token into it`, tokenFile);
  }
  password ??= base.CAIRN_GIT_TOKEN || base.GIT_PASSWORD || remote.userinfo?.password || undefined;
  if (password !== undefined) {
    const username = base.CAIRN_GIT_USERNAME || base.GIT_USERNAME || remote.userinfo?.username || 'x-access-token';
    env.GIT_ASKPASS = await ensureAskpassScript();
    env.CAIRN_ASKPASS_USERNAME = username;
    env.CAIRN_ASKPASS_PASSWORD = password;
    secrets.push(password);
  }
  for (const name of ['CAIRN_GIT_TOKEN', 'GIT_PASSWORD']) {
    const value = base[name];
    if (value) secrets.push(value);
  }

  const keyFile = base.CAIRN_GIT_SSH_KEY_FILE;
  if (keyFile) {
    const parts = ['ssh', '-i', shellQuote(keyFile), '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'];
    const knownHosts = base.CAIRN_GIT_SSH_KNOWN_HOSTS_FILE;
    if (knownHosts) parts.push('-o', `UserKnownHostsFile=${shellQuote(knownHosts)}`, '-o', 'StrictHostKeyChecking=yes');
    env.GIT_SSH_COMMAND = parts.join(' ');
    delete env.GIT_SSH;
  } else if (env.GIT_SSH_COMMAND === undefined && env.GIT_SSH === undefined) {
    env.GIT_SSH_COMMAND = 'ssh -o BatchMode=yes';
  }
  return { env, secrets };
}
