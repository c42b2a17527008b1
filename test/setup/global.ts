// vitest global setup: starts the real servers the suites share, once per run, and hands
// their connection details to tests through provide/inject.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startRadosgw, type RadosgwServer } from '../support/radosgw.ts';

export interface S3Connection {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    s3: S3Connection;
  }
}

let radosgw: RadosgwServer | undefined;

/** Builds dist/ from the sources under test, so tests that run `bin/cairn.js` never see a stale build. */
function buildCli(): void {
  const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'scripts', 'build.mjs')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building dist/ failed (node scripts/build.mjs, exit ${r.status}):\n${r.stderr}${r.stdout}`);
}

export async function setup(project: TestProject): Promise<void> {
  buildCli();
  // startRadosgw cleans up its own processes when it fails and throws a RadosgwStartError saying why.
  radosgw = await startRadosgw();
  const { endpoint, accessKey, secretKey, region } = radosgw;
  project.provide('s3', { endpoint, accessKey, secretKey, region });
}

export async function teardown(): Promise<void> {
  await radosgw?.stop();
  radosgw = undefined;
}
