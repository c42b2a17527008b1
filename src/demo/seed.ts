// The embedded policy repository: a local bare Git repository seeded from policies/, the way a
// platform team's first pull request would create it. policies/ holds no RestoreRequest (a copy
// must never restore by itself); the demo commits samples/restores/ later, as a merged pull request.
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseDocument } from 'yaml';
import { ETCD_EXAMPLE_FILES } from './etcd.ts';

const run = promisify(execFile);

export const HUMAN = { name: 'Platform Team', email: 'platform@example.com' };

export interface S3Override {
  endpoint: string;
  bucket: string;
  region?: string;
}

export interface SeededRepo {
  /** The bare repository: cairn's "remote". */
  bare: string;
  /** A human's clone, for commits that stand in for merged pull requests. */
  human: string;
}

function gitEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_AUTHOR_NAME: HUMAN.name,
    GIT_AUTHOR_EMAIL: HUMAN.email,
    GIT_COMMITTER_NAME: HUMAN.name,
    GIT_COMMITTER_EMAIL: HUMAN.email,
    GIT_TERMINAL_PROMPT: '0',
  };
}

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: gitEnv() });
  return stdout;
}

/** A human commit and push of `files` (null deletes), as a merged pull request would land. */
export async function humanCommit(repo: SeededRepo, files: Record<string, string | null>, message: string): Promise<string> {
  await git(repo.human, 'pull', '-q', '--rebase', 'origin', 'main');
  for (const [path, content] of Object.entries(files)) {
    const abs = join(repo.human, path);
    if (content === null) await rm(abs, { force: true });
    else {
      await mkdir(join(abs, '..'), { recursive: true });
      await writeFile(abs, content);
    }
  }
  await git(repo.human, 'add', '-A');
  await git(repo.human, 'commit', '-q', '-m', message);
  await git(repo.human, 'push', '-q', 'origin', 'main');
  return (await git(repo.human, 'rev-parse', 'HEAD')).trim();
}

/**
 * Creates <dir>/policy.git from `source` (policies/). The S3 location is pointed at `s3` when
 * given; otherwise it becomes a directory, since the embedded default has no S3 server.
 */
export async function seedRepository(dir: string, source: string, s3?: S3Override): Promise<SeededRepo> {
  const bare = join(dir, 'policy.git');
  const human = join(dir, 'policy-human');
  await git(dir, 'init', '-q', '--bare', '-b', 'main', bare);
  await git(dir, 'clone', '-q', bare, human);
  await git(human, 'checkout', '-q', '-b', 'main');
  for (const folder of ['locations', 'clusters', 'policies', 'modifiers']) {
    await cp(join(source, folder), join(human, folder), { recursive: true });
  }
  await cp(join(source, 'README.md'), join(human, 'README.md')).catch(() => undefined);
  // The etcd example is committed later by the demo's etcd step, when etcd is installed.
  for (const f of ETCD_EXAMPLE_FILES) await rm(join(human, f), { force: true });
  const offsite = join(human, 'locations', 'offsite.yaml');
  const doc = parseDocument(await readFile(offsite, 'utf8'));
  if (s3) {
    doc.setIn(['spec', 's3', 'endpoint'], s3.endpoint);
    doc.setIn(['spec', 's3', 'bucket'], s3.bucket);
    if (s3.region) doc.setIn(['spec', 's3', 'region'], s3.region);
  } else {
    doc.setIn(['spec', 'provider'], 'filesystem');
    doc.deleteIn(['spec', 's3']);
    doc.setIn(['spec', 'filesystem'], doc.createNode({ path: 'offsite' }));
    doc.commentBefore = ' Embedded default: no S3 server here, so this location is a directory.\n Run `npm start -- --s3-endpoint URL --s3-bucket NAME` (credentials in S3_ACCESS_KEY / S3_SECRET_KEY) to use real S3.';
  }
  await writeFile(offsite, doc.toString());
  await git(human, 'add', '-A');
  await git(human, 'commit', '-q', '-m', 'Add backup policies for the management cluster');
  await git(human, 'push', '-q', '-u', 'origin', 'main');
  return { bare, human };
}
