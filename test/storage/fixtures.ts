// Test fixtures for the storage suite: small real tar.gz archives with their index rows,
// and locations for both providers.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { BackupLocation, BackupLocationSpec } from '../../src/api/types.ts';
import { itemPath, type IndexEntry, type ManifestInput } from '../../src/storage/index.ts';
import { gzipJsonBytes } from '../../src/storage/json-io.ts';
import type { ArtifactDigest } from '../../src/storage/types.ts';
import { freshBucket } from '../support/s3.ts';

/** A backup's index, written the one way backups write it: a gzipped JSON array, streamed (writeIndexStream). */
export function writeIndex(w: { writeIndexStream(src: Readable): Promise<ArtifactDigest> }, entries: IndexEntry[]): Promise<ArtifactDigest> {
  return w.writeIndexStream(Readable.from([gzipJsonBytes(entries)]));
}

export interface Item {
  groupResource: string;
  namespace?: string;
  name: string;
  body: object;
}

export async function makeArchive(items: Item[]): Promise<{ archive: Buffer; index: IndexEntry[] }> {
  const pack = tar.pack();
  const index: IndexEntry[] = [];
  for (const item of items) {
    const data = Buffer.from(JSON.stringify(item.body));
    const path = itemPath(item.groupResource, item.namespace, item.name);
    pack.entry({ name: path }, data);
    index.push({
      groupResource: item.groupResource,
      namespace: item.namespace,
      name: item.name,
      path,
      sha256: createHash('sha256').update(data).digest('hex'),
      size: data.length,
    });
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return { archive: gzipSync(Buffer.concat(chunks)), index };
}

export function sampleItems(n = 3): Item[] {
  return Array.from({ length: n }, (_, i) => ({
    groupResource: 'configmaps',
    namespace: 'team-a',
    name: `cm-${i}`,
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'team-a' }, data: { i: String(i) } },
  }));
}

export function manifestInput(name: string, policy = 'kcm', location = 'primary'): ManifestInput {
  const now = new Date().toISOString();
  return {
    name,
    phase: 'Completed',
    policy,
    location,
    startTimestamp: now,
    completionTimestamp: now,
    cluster: { name: 'prod', serverVersion: 'v1.30.0' },
    engineVersion: '0.1.0',
    resources: ['configmaps'],
    itemCounts: { configmaps: 3 },
    totalItems: 3,
    warnings: [],
    errors: [],
  };
}

/** A readable of `size` random bytes produced 1 MiB at a time (never held in memory whole). */
export function randomStream(size: number): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  let left = size;
  const stream = new Readable({
    read() {
      if (left === 0) return void this.push(null);
      const n = Math.min(left, 1024 * 1024);
      const chunk = randomBytes(n);
      hash.update(chunk);
      left -= n;
      this.push(chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

export const PASSPHRASE_VAR = 'CAIRN_TEST_PASSPHRASE';
export const ACCESS_VAR = 'CAIRN_TEST_S3_ACCESS';
export const SECRET_VAR = 'CAIRN_TEST_S3_SECRET';

export interface ProviderCase {
  provider: 's3' | 'filesystem';
  /** A fresh, empty location (new bucket or directory) and the environment holding its secrets. */
  fresh(opts?: { encrypted?: boolean }): Promise<{ location: BackupLocation; env: NodeJS.ProcessEnv; secrets: string[] }>;
}

function location(name: string, spec: BackupLocationSpec): BackupLocation {
  return { apiVersion: 'cairn.dev/v1alpha1', kind: 'BackupLocation', metadata: { name }, spec, source: { file: `locations/${name}.yaml`, line: 1, col: 1 } };
}

export function canaryPassphrase(): string {
  return `passphrase-CANARY-${randomBytes(8).toString('hex')}`;
}

export const providers: ProviderCase[] = [
  {
    provider: 'filesystem',
    async fresh({ encrypted = false } = {}) {
      const dir = await mkdtemp(join(tmpdir(), 'cairn-storage-'));
      const passphrase = canaryPassphrase();
      return {
        location: location('primary', {
          provider: 'filesystem',
          filesystem: { path: join(dir, 'backups') },
          ...(encrypted ? { encryption: { passphraseFromEnv: PASSPHRASE_VAR } } : {}),
        }),
        env: { [PASSPHRASE_VAR]: passphrase },
        secrets: [passphrase],
      };
    },
  },
  {
    provider: 's3',
    async fresh({ encrypted = false } = {}) {
      const { bucket, conn } = await freshBucket();
      const passphrase = canaryPassphrase();
      return {
        location: location('primary', {
          provider: 's3',
          s3: {
            endpoint: conn.endpoint,
            bucket,
            prefix: 'prod',
            region: conn.region,
            forcePathStyle: true,
            credentials: { accessKeyIdFromEnv: ACCESS_VAR, secretAccessKeyFromEnv: SECRET_VAR },
          },
          ...(encrypted ? { encryption: { passphraseFromEnv: PASSPHRASE_VAR } } : {}),
        }),
        env: { [PASSPHRASE_VAR]: passphrase, [ACCESS_VAR]: conn.accessKey, [SECRET_VAR]: conn.secretKey },
        secrets: [passphrase, conn.accessKey, conn.secretKey],
      };
    },
  },
];
