// Test helper: the shared radosgw connection (from the global setup) and a fresh bucket per test.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Client } from 'minio';
import type { S3Connection } from '../setup/global.ts';

export function s3Connection(): S3Connection {
  const conn = inject('s3');
  if (!conn) throw new Error('the S3 server is not running: test/setup/global.ts did not provide "s3"');
  return conn;
}

export function s3Client(conn: S3Connection = s3Connection()): Client {
  const url = new URL(conn.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: url.protocol === 'https:',
    accessKey: conn.accessKey,
    secretKey: conn.secretKey,
    region: conn.region,
    pathStyle: true,
  });
}

/** Creates an empty bucket with a unique name and returns it with the connection. */
export async function freshBucket(prefix = 'cairn-test'): Promise<{ bucket: string; conn: S3Connection }> {
  const conn = s3Connection();
  const bucket = `${prefix}-${randomBytes(5).toString('hex')}`;
  await s3Client(conn).makeBucket(bucket, conn.region);
  return { bucket, conn };
}
