// One reconcile tick end to end against the real S3 server of the tests (radosgw, started by the
// global setup): the backup lands in the bucket and verifies, and the credentials — handed to the
// engine only through its environment — appear nowhere in Git or in the stored metadata.
import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { BackupLocation } from '../../src/api/types.ts';
import { engineConfig } from '../../src/engine/config.ts';
import { Engine } from '../../src/engine/engine.ts';
import { openLocation } from '../../src/storage/index.ts';
import { git, makeRemote } from '../git/helpers.ts';
import { freshBucket, s3Client } from '../support/s3.ts';
import { useSampleCluster } from './fixtures.ts';

let root: string;
let kubeconfig: string;
useSampleCluster((c) => ({ root, kubeconfig } = c));

async function readObject(bucket: string, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await s3Client().getObject(bucket, key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('a tick against S3', () => {
  it('writes a verifiable backup to the bucket and never a credential to Git or storage metadata', async () => {
    const { bucket, conn } = await freshBucket('cairn-engine');
    const locationSpec = {
      default: true,
      provider: 's3' as const,
      s3: {
        endpoint: conn.endpoint,
        bucket,
        prefix: 'prod',
        region: conn.region,
        forcePathStyle: true,
        credentials: { accessKeyIdFromEnv: 'CAIRN_TEST_S3_ACCESS_KEY', secretAccessKeyFromEnv: 'CAIRN_TEST_S3_SECRET_KEY' },
      },
    };
    const locationYaml = `apiVersion: cairn.dev/v1alpha1
kind: BackupLocation
metadata: {name: object-store}
spec:
  default: true
  provider: s3
  s3:
    endpoint: ${conn.endpoint}
    bucket: ${bucket}
    prefix: prod
    region: ${conn.region}
    forcePathStyle: true
    credentials: {accessKeyIdFromEnv: CAIRN_TEST_S3_ACCESS_KEY, secretAccessKeyFromEnv: CAIRN_TEST_S3_SECRET_KEY}
`;
    const policyYaml = `apiVersion: cairn.dev/v1alpha1
kind: BackupPolicy
metadata: {name: teams}
spec:
  schedule: "@every 20m"
  keep: 3
  includedNamespaces: [team-a, team-b]
`;
    const remote = makeRemote(root, { 'locations/object-store.yaml': locationYaml, 'policies/teams.yaml': policyYaml }, { name: 's3' });
    const env = { ...process.env, CAIRN_TEST_S3_ACCESS_KEY: conn.accessKey, CAIRN_TEST_S3_SECRET_KEY: conn.secretKey };
    const engine = new Engine(engineConfig({ repoUrl: remote.bare, dataDir: join(root, 's3-data'), kubeconfig, env, now: () => new Date('2026-11-21T06:00:00Z') }));

    const r = await engine.tick();
    expect(r.unobserved).toEqual({});
    expect(r.results.map((a) => `${a.action.type} ${a.outcome}`)).toEqual(['backup Completed']);
    const name = 'teams-20261121060000';

    // In the bucket, under the prefix, with the manifest and the location marker.
    const keys: string[] = [];
    for await (const o of s3Client().listObjectsV2(bucket, 'prod/', true)) keys.push((o as { name: string }).name);
    expect(keys.sort()).toEqual([`prod/backups/${name}/index.json.gz`, `prod/backups/${name}/log.jsonl.gz`, `prod/backups/${name}/manifest.json`, `prod/backups/${name}/resources.tar.gz`, 'prod/cairn-location.json']);

    const location: BackupLocation = { apiVersion: 'cairn.dev/v1alpha1', kind: 'BackupLocation', metadata: { name: 'object-store' }, spec: locationSpec, source: { file: 'locations/object-store.yaml', line: 1, col: 1 } };
    const store = await openLocation(location, { env });
    const verified = await store.verify(name);
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
    expect(verified.itemsChecked).toBe(r.results[0].manifest!.totalItems);
    expect(verified.itemsChecked).toBeGreaterThan(0);

    const status = parse(git(remote.bare, 'show', 'HEAD:status/policies/teams.yaml'));
    expect(status.status).toMatchObject({ location: 'object-store', lastBackups: [expect.objectContaining({ name, phase: 'Completed' })] });

    // No credential anywhere: the whole Git history with patches, the manifest, the backup's log.
    const history = git(remote.bare, 'log', '-p', '--all');
    expect(history).toContain('accessKeyIdFromEnv: CAIRN_TEST_S3_ACCESS_KEY');
    expect(history).toContain(`status/policies/teams.yaml`);
    const manifest = (await readObject(bucket, `prod/backups/${name}/manifest.json`)).toString('utf8');
    expect(JSON.parse(manifest).phase).toBe('Completed');
    const log = gunzipSync(await readObject(bucket, `prod/backups/${name}/log.jsonl.gz`)).toString('utf8');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of [conn.accessKey, conn.secretKey]) {
      expect(history).not.toContain(secret);
      expect(manifest).not.toContain(secret);
      expect(log).not.toContain(secret);
    }
  });
});
