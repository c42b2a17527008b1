// The benches' radosgw bucket, as handed to their child processes, and a minio client for it.
import { Client } from 'minio';

export interface BenchS3 {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  bucket: string;
}

export function s3Client(s3: BenchS3): Client {
  const u = new URL(s3.endpoint);
  return new Client({ endPoint: u.hostname, port: Number(u.port), useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, pathStyle: true });
}
