// The policy repository as cairn sees it: its own clone in a workdir, synced to the remote branch at
// the start of each tick, with status commits pushed back at the end (DESIGN §1 sync/report, §4).
//
// The clone belongs to cairn. Nobody else commits in it, so `sync` may hard-move the work tree to
// origin/<branch>: a status commit that was pushed is already in origin, and one that was not
// (push failed, process killed) is derived again from storage on the next tick — discarding it
// loses nothing. Pushes are never forced: a race with a human push is resolved by fetch + rebase,
// which is clean because status commits touch only status/ and humans never do.
import { lstat, mkdir, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import { simpleGit, type SimpleGit } from 'simple-git';
import { silentLogger, type Logger } from '../log.ts';
import { auditLogArgs, filterAudit, parseAuditLog, type AuditEntry, type AuditFilter } from './audit.ts';
import { gitEnvironment, locateRemote, type RemoteLocation } from './credentials.ts';
import { GitError, isAuthFailure, messageOf, scrub, type GitErrorCode } from './errors.ts';
import { formatCommitMessage } from './message.ts';
import { recoverIndexLock } from './index-lock.ts';
import { statusPath, STATUS_DIR } from './status-paths.ts';

export interface PolicyRepoOptions {
  /** URL (https://, ssh://, user@host:path, file://) or local path of a bare repository or work tree. */
  url: string;
  /** Branch to follow; default: the remote's HEAD, else `main`. */
  branch?: string;
  /** Directory holding cairn's clone; cloned into when missing or empty. */
  workdir: string;
  /** Author and committer of status commits; default `cairn <cairn@localhost>`. */
  author?: { name: string; email: string };
  /** Append ` [skip ci]` to status commit subjects; default true. */
  skipCi?: boolean;
  logger?: Logger;
  /** Environment read for credentials and passed (filtered) to git; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Push race handling: attempts in all (default 5), first backoff (250 ms), backoff cap (8 s). */
  pushRetry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Kill a git process that printed nothing for this long; default 300 s. */
  timeoutMs?: number;
}

export interface SyncResult {
  /** The commit the work tree now holds: the head of origin/<branch>. */
  revision: string;
  /**
   * The newest commit at or before `revision` that changed anything outside status/. cairn's own
   * status commits never change the desired state, so this is the revision to record as
   * Cairn-Revision / lastAppliedRevision; recording `revision` instead would make every status
   * commit produce a new status on the next tick.
   */
  sourceRevision: string;
  /** True when sourceRevision differs from the previous sync of this PolicyRepo (true on the first). */
  changed: boolean;
}

export interface StatusChange {
  /** Repository-relative paths under status/ → new content, or null to delete the file. */
  files: Record<string, string | null>;
  subject: string;
  /** One line per action. */
  body: string[];
  /** e.g. ['Cairn-Revision', sha], ['Cairn-Action', 'backup kcm-20261121060000 Completed']. */
  trailers: [string, string][];
  /** Commit even when no status file changed (the message records actions that happened). */
  allowEmpty?: boolean;
}

export interface CommitResult {
  /** The status commit as it landed on the remote; absent when nothing changed. */
  commit?: string;
  pushed: boolean;
  /** Push attempts made (0 when there was nothing to commit). */
  attempts: number;
}

const DEFAULT_AUTHOR = { name: 'cairn', email: 'cairn@localhost' };

/** Opens (cloning when needed) cairn's clone of the policy repository and fetches the branch. */
export async function openPolicyRepo(opts: PolicyRepoOptions): Promise<PolicyRepo> {
  const remote = locateRemote(opts.url);
  const dir = resolve(opts.workdir);
  await mkdir(dir, { recursive: true });
  const repo = new PolicyRepo(dir, remote, opts);
  await repo.open(opts.branch);
  return repo;
}

export class PolicyRepo {
  /** The work tree: load manifests from here after `sync`. */
  readonly dir: string;
  /** The remote as stored in the clone (never with credentials). */
  readonly remote: string;
  private branchName = 'main';
  private readonly git: SimpleGit;
  private readonly log: Logger;
  private readonly baseEnv: NodeJS.ProcessEnv;
  private secrets: string[] = [];
  private lastSync: { revision: string; sourceRevision: string } | undefined;
  /**
   * The commit the work tree and index are known to match exactly, because cairn put them there
   * (sync, a pushed status commit, a reset). Cleared the moment commitStatus writes a file. Nobody
   * else edits cairn's clone; after a restart it is unknown, so the first sync checks out afresh.
   */
  private treeAt: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  /** Use openPolicyRepo (dir must exist). */
  constructor(
    dir: string,
    private readonly location: RemoteLocation,
    private readonly opts: PolicyRepoOptions,
  ) {
    this.dir = dir;
    this.remote = location.remote;
    this.log = (opts.logger ?? silentLogger).child({ component: 'git', remote: scrub(location.remote) });
    this.baseEnv = opts.env ?? process.env;
    this.git = simpleGit({
      baseDir: dir,
      maxConcurrentProcesses: 4,
      trimmed: false,
      // Empty credential.helper: no helper of the machine prompts for, or stores, cairn's token.
      config: ['credential.helper=', 'core.quotePath=false'],
      // cairn sets these itself (credentials.ts); simple-git blocks them unless told.
      unsafe: { allowUnsafeAskPass: true, allowUnsafeSshCommand: true, allowUnsafeCredentialHelper: true },
      timeout: { block: opts.timeoutMs ?? 300_000 },
    });
  }

  /** The branch followed. */
  get branch(): string {
    return this.branchName;
  }

  /** @internal Called once by openPolicyRepo. */
  async open(branch: string | undefined): Promise<void> {
    if (branch !== undefined) checkBranch(branch);
    await this.refreshEnv();
    const entries = await readdir(this.dir);
    if (entries.length === 0) {
      await this.clone(branch);
    } else {
      await this.checkExistingClone(entries);
      this.branchName = branch ?? (await this.remoteHeadBranch()) ?? 'main';
      await this.fetch();
    }
    await this.configureClone();
    this.log.debug({ dir: this.dir, branch: this.branchName }, 'policy repository open');
  }

  /**
   * Fetches the branch and hard-moves the work tree to origin/<branch> (see the module comment
   * for why discarding local state is safe). Untracked files are removed too.
   */
  sync(): Promise<SyncResult> {
    return this.exclusive(async () => {
      await this.recoverIndexLock();
      await this.fetch();
      const revision = await this.originHead();
      // The steady tick (nothing new) costs a fetch and a rev-parse: the checkout is skipped while
      // the tree is known to be exactly at `revision` (see treeAt), the source lookup is cached.
      if (this.treeAt !== revision) {
        await this.run(['checkout', '--force', '-B', this.branchName, revision], 'git.command', `move the work tree to ${revision}`);
        await this.run(['clean', '-ffdxq'], 'git.command', 'clean the work tree');
        this.treeAt = revision;
      }
      let sourceRevision = this.lastSync?.revision === revision ? this.lastSync.sourceRevision : undefined;
      if (sourceRevision === undefined) {
        const source = await this.run(['log', '-1', '--format=%H', revision, '--', '.', `:(exclude)${STATUS_DIR}`], 'git.command', 'find the source revision');
        sourceRevision = source.trim() || revision;
      }
      const changed = sourceRevision !== this.lastSync?.sourceRevision;
      this.lastSync = { revision, sourceRevision };
      this.log.debug({ revision, sourceRevision, changed }, 'synced');
      return { revision, sourceRevision, changed };
    });
  }

  /**
   * Writes status files, commits them (only when some content changed) and pushes. A push that
   * loses a race is retried after fetch + rebase with exponential backoff; a rebase conflict
   * (someone edited a status file) drops the status commit and throws git.rebase-conflict.
   * On any failure the clone is reset to origin/<branch>: the next tick derives the status again.
   */
  async commitStatus(change: StatusChange): Promise<CommitResult> {
    const files = Object.entries(change.files).map(([path, content]) => [statusPath(path), content] as const);
    const message = formatCommitMessage({ ...change, skipCi: this.opts.skipCi ?? true });
    return this.exclusive(async () => {
      await this.recoverIndexLock();
      const cleanAt = this.treeAt;
      this.treeAt = undefined;
      try {
        const touched = await this.writeStatusFiles(files);
        if (touched.length === 0 && !change.allowEmpty) {
          this.treeAt = cleanAt;
          return { pushed: false, attempts: 0 };
        }
        if (touched.length > 0) await this.run(['--literal-pathspecs', 'add', '--all', '--', ...touched], 'git.command', 'stage status files');
        const staged = await this.run(['diff', '--cached', '--name-only', '-z'], 'git.command', 'list staged files');
        if (staged.replace(/\0/g, '') === '' && !change.allowEmpty) return { pushed: false, attempts: 0 };
        // From a file, not -m: a tick with thousands of actions exceeds the kernel's per-argument limit.
        const messageFile = join(this.dir, '.git', 'CAIRN_STATUS_MSG');
        await writeFile(messageFile, message);
        const empty = change.allowEmpty ? ['--allow-empty'] : [];
        await this.run(['commit', '--no-verify', '--no-gpg-sign', '--cleanup=verbatim', ...empty, '--file', messageFile], 'git.command', 'commit status');
        return await this.pushWithRetry();
      } catch (err) {
        await this.resetToOrigin().catch((resetErr) => this.log.error({ err: messageOf(resetErr) }, 'could not reset the clone after a failed status commit'));
        throw err;
      }
    });
  }

  /** cairn's status commits on origin/<branch>, newest first, read back from their trailers. */
  async audit(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const args = auditLogArgs();
    const unfiltered = filter.policy === undefined && filter.restore === undefined;
    if (unfiltered && filter.limit !== undefined) args.push(`--max-count=${Math.max(0, Math.floor(filter.limit))}`);
    const ref = `refs/remotes/origin/${this.branchName}`;
    args.push(ref, '--');
    const out = await this.run(args, 'git.command', 'read the audit log');
    if (filter.policy !== undefined && filter.otherPolicies === undefined) {
      // The policies cairn reports on, by their status files, tell `kcm` from `kcm-nightly`.
      const listed = await this.run(['ls-tree', '--name-only', ref, '--', 'status/policies/'], 'git.command', 'list the status files');
      const otherPolicies = listed
        .split('\n')
        .map((path) => /^status\/policies\/(.+)\.yaml$/.exec(path.trim())?.[1])
        .filter((name): name is string => name !== undefined && name !== filter.policy);
      return filterAudit(parseAuditLog(out), { ...filter, otherPolicies });
    }
    return filterAudit(parseAuditLog(out), filter);
  }

  // --- internals -------------------------------------------------------------------------------

  private async clone(branch: string | undefined): Promise<void> {
    const args = ['clone', '--no-tags', '--origin', 'origin', '--config', 'credential.helper='];
    if (branch !== undefined) args.push('--branch', branch);
    args.push('--', this.location.remote, this.dir);
    await this.run(args, 'git.clone', `clone ${scrub(this.location.remote)} into ${this.dir}`);
    // An empty remote clones fine but has nothing to follow; say so now, not at the first sync.
    this.branchName = branch ?? (await this.remoteHeadBranch()) ?? 'main';
    await this.originHead();
  }

  private async checkExistingClone(entries: string[]): Promise<void> {
    const notAClone = () =>
      new GitError('git.workdir', `workdir ${this.dir} is not empty and is not a clone made by cairn: point workdir at an empty or missing directory`, this.dir);
    if (!entries.includes('.git')) throw notAClone();
    const top = await this.run(['rev-parse', '--show-toplevel'], 'git.workdir', `inspect ${this.dir}`).catch(() => {
      throw notAClone();
    });
    if ((await realpath(top.trim())) !== (await realpath(this.dir))) throw notAClone();
    const stored = (await this.run(['config', '--get', 'remote.origin.url'], 'git.workdir', 'read remote.origin.url').catch(() => '')).trim();
    if (await this.sameRemote(stored)) {
      // A URL that once carried credentials is rewritten without them.
      if (stored !== this.location.remote) await this.run(['remote', 'set-url', 'origin', this.location.remote], 'git.workdir', 'clean remote.origin.url');
      return;
    }
    throw new GitError(
      'git.remote-mismatch',
      `workdir ${this.dir} is a clone of ${scrub(stored) || '(no origin)'}, not of ${scrub(this.location.remote)}: use another workdir, or empty this one so cairn clones afresh`,
      this.dir,
    );
  }

  private async sameRemote(stored: string): Promise<boolean> {
    if (stored === '') return false;
    if (this.location.local) {
      const [a, b] = await Promise.all([realpath(stored).catch(() => stored), realpath(this.location.remote).catch(() => this.location.remote)]);
      return a === b;
    }
    return locateRemote(stored).remote === this.location.remote;
  }

  private async configureClone(): Promise<void> {
    const author = this.opts.author ?? DEFAULT_AUTHOR;
    const settings: [string, string][] = [
      ['user.name', author.name],
      ['user.email', author.email],
      ['credential.helper', ''],
      ['commit.gpgSign', 'false'],
      ['core.autocrlf', 'false'],
      ['rebase.autoStash', 'false'],
    ];
    for (const [key, value] of settings) await this.run(['config', '--local', key, value], 'git.workdir', `set ${key}`);
  }

  private async remoteHeadBranch(): Promise<string | undefined> {
    const out = await this.git.raw(['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD']).catch(() => '');
    const ref = out.trim();
    return ref.startsWith('refs/remotes/origin/') ? ref.slice('refs/remotes/origin/'.length) : undefined;
  }

  private async fetch(): Promise<void> {
    await this.refreshEnv();
    const b = this.branchName;
    try {
      await this.run(['fetch', '--no-tags', '--prune', 'origin', `+refs/heads/${b}:refs/remotes/origin/${b}`], 'git.fetch', `fetch ${b} from ${scrub(this.location.remote)}`);
    } catch (err) {
      if (err instanceof GitError && /couldn't find remote ref/i.test(err.message)) throw this.branchMissing();
      throw err;
    }
  }

  private branchMissing(): GitError {
    return new GitError(
      'git.branch-missing',
      `branch ${this.branchName} does not exist in ${scrub(this.location.remote)}: push a first commit to it, or configure the branch to follow`,
      scrub(this.location.remote),
    );
  }

  private async originHead(): Promise<string> {
    // The loose ref git fetch just wrote, read as a file: a steady tick then starts one git
    // process, not two, and starting a process from a large engine is not cheap (fork copies
    // its page tables: ~35 ms from an 800 MB process against ~8 ms from a small one, measured
    // here). Anything else (a packed or symbolic ref, another ref store) asks git.
    const loose = await readFile(join(this.dir, '.git', 'refs', 'remotes', 'origin', ...this.branchName.split('/')), 'latin1').catch(() => '');
    if (/^(?:[0-9a-f]{40}|[0-9a-f]{64})\n?$/.test(loose)) return loose.trim();
    const out = await this.git.raw(['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${this.branchName}^{commit}`]).catch(() => '');
    if (out.trim() === '') throw this.branchMissing();
    return out.trim();
  }

  /** Writes the files whose content differs (in parallel: a tick may compare thousands); returns their paths. */
  private async writeStatusFiles(files: (readonly [string, string | null])[]): Promise<string[]> {
    const limit = pLimit(16);
    await this.refuseSymlinks(files.map(([path]) => path), limit);
    // allSettled: on a failure no write may still be in flight when the caller resets the tree.
    const results = await Promise.allSettled(files.map(([path, content]) => limit(() => this.writeStatusFile(path, content))));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return files.filter((_, i) => (results[i] as PromiseFulfilledResult<boolean>).value).map(([path]) => path);
  }

  private async writeStatusFile(path: string, content: string | null): Promise<boolean> {
    const abs = join(this.dir, path);
    try {
      const current = await readFile(abs, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      if (current === content) return false;
      if (content === null) {
        await rm(abs);
      } else {
        await mkdir(dirname(abs), { recursive: true });
        await writeFile(abs, content);
      }
      return true;
    } catch (err) {
      throw new GitError('git.workdir', `cannot write ${path} in ${this.dir}: ${messageOf(err)}`, path);
    }
  }

  /** A symlink committed under status/ could point writes anywhere; refuse to follow one. */
  private async refuseSymlinks(paths: string[], limit: LimitFunction): Promise<void> {
    const prefixes = new Map<string, string>(); // prefix → a path that goes through it
    for (const path of paths) {
      const parts = path.split('/');
      for (let i = 1; i <= parts.length; i++) prefixes.set(parts.slice(0, i).join('/'), path);
    }
    await Promise.all(
      [...prefixes].map(([sub, path]) =>
        limit(async () => {
          const st = await lstat(join(this.dir, sub)).catch(() => undefined);
          if (st?.isSymbolicLink()) {
            throw new GitError('git.path-outside-status', `refusing to write "${path}": ${sub} is a symbolic link in the repository; cairn writes only regular files under ${STATUS_DIR}/`, path);
          }
        }),
      ),
    );
  }

  private async pushWithRetry(): Promise<CommitResult> {
    const attempts = Math.max(1, this.opts.pushRetry?.attempts ?? 5);
    const base = this.opts.pushRetry?.baseDelayMs ?? 250;
    const cap = this.opts.pushRetry?.maxDelayMs ?? 8_000;
    const b = this.branchName;
    for (let attempt = 1; ; attempt++) {
      await this.refreshEnv();
      try {
        // A plain refspec without "+" and no --force: the remote refuses anything but a fast-forward.
        await this.run(['push', '--no-follow-tags', 'origin', `HEAD:refs/heads/${b}`], 'git.push', `push to ${b}`);
        const commit = (await this.run(['rev-parse', 'HEAD'], 'git.command', 'read HEAD')).trim();
        await this.run(['update-ref', `refs/remotes/origin/${b}`, commit], 'git.command', 'record the pushed head');
        this.treeAt = commit;
        this.log.info({ commit, attempts: attempt }, 'status commit pushed');
        return { commit, pushed: true, attempts: attempt };
      } catch (err) {
        if (!(err instanceof GitError) || err.code !== 'git.push' || !isRaceLost(err.message)) throw err;
        if (attempt >= attempts) {
          throw new GitError('git.push-rejected', `status push to ${b} lost the race with other writers ${attempts} times; the status will be written again on the next tick`, scrub(this.location.remote));
        }
        const delay = Math.min(cap, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        this.log.info({ attempt, delayMs: Math.round(delay) }, 'status push rejected (remote moved on): fetching and rebasing');
        await sleep(delay);
      }
      await this.fetch();
      await this.rebaseOntoOrigin();
      const [head, origin] = await Promise.all([this.run(['rev-parse', 'HEAD'], 'git.command', 'read HEAD'), this.originHead()]);
      // The rebase dropped the commit as empty: the remote already holds this exact status.
      if (head.trim() === origin) {
        this.treeAt = origin;
        return { pushed: false, attempts: attempt };
      }
    }
  }

  private async rebaseOntoOrigin(): Promise<void> {
    const b = this.branchName;
    try {
      await this.run(['rebase', '--no-autostash', `refs/remotes/origin/${b}`], 'git.command', `rebase onto origin/${b}`);
    } catch (err) {
      const conflicted = (await this.git.raw(['diff', '--name-only', '--diff-filter=U', '-z']).catch(() => '')).split('\0').filter((p) => p !== '');
      await this.git.raw(['rebase', '--abort']).catch(() => undefined);
      if (conflicted.length === 0) throw err;
      const culprit = await this.git
        .raw(['log', '-1', '--format=%h %an: %s', `HEAD..refs/remotes/origin/${b}`, '--', ...conflicted])
        .catch(() => '');
      throw new GitError(
        'git.rebase-conflict',
        `status commit dropped: commit ${culprit.trim() || `on ${b}`} changed the same status files (${conflicted.join(', ')}). ` +
          `status/ is written by cairn only; the status is derived again on the next tick`,
        conflicted[0],
      );
    }
  }

  private async resetToOrigin(): Promise<void> {
    await this.recoverIndexLock();
    const origin = await this.originHead();
    await this.git.raw(['checkout', '--force', '-B', this.branchName, origin]);
    await this.git.raw(['clean', '-ffdxq']);
    this.treeAt = origin;
  }

  /** Removes a stale .git/index.lock (a crash mid-commit) before a command that takes it. */
  private recoverIndexLock(): Promise<boolean> {
    return recoverIndexLock(this.dir, this.log, this.opts.timeoutMs ?? 300_000);
  }

  private async refreshEnv(): Promise<void> {
    const { env, secrets } = await gitEnvironment(this.baseEnv, this.location);
    this.secrets = secrets;
    this.git.env(env);
  }

  /** Runs git; failures become GitError with a scrubbed message (git.auth when credentials failed). */
  private async run(args: string[], code: GitErrorCode, what: string): Promise<string> {
    try {
      return await this.git.raw(args);
    } catch (err) {
      throw this.error(code, what, err);
    }
  }

  private error(code: GitErrorCode, what: string, err: unknown): GitError {
    const detail = scrub(messageOf(err), this.secrets).trim();
    if (isAuthFailure(detail)) {
      return new GitError(
        'git.auth',
        `${what}: the remote refused the credentials (${firstLine(detail)}); set CAIRN_GIT_TOKEN / CAIRN_GIT_TOKEN_FILE for HTTPS or CAIRN_GIT_SSH_KEY_FILE for SSH`,
        scrub(this.location.remote),
      );
    }
    return new GitError(code, `${what}: ${detail}`, scrub(this.location.remote));
  }

  /** Serialises the operations that move HEAD or the work tree. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** A push refused because the remote branch moved (or was being moved) meanwhile. */
function isRaceLost(message: string): boolean {
  return /\[rejected\].*\((fetch first|non-fast-forward)\)|cannot lock ref|failed to update ref|incorrect old value|stale info/i.test(message);
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => /fatal|error|denied|failed/i.test(l))?.trim() ?? text.split('\n')[0];
}

function checkBranch(branch: string): string {
  if (branch === '' || branch.startsWith('-') || /[\s\0:~^?*[\\]|\.\.|@\{/.test(branch)) {
    throw new GitError('git.invalid-argument', `invalid branch name "${branch}"`);
  }
  return branch;
}
