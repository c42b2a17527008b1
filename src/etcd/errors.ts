// etcd adapter errors: values with a code and a message naming the member and what is wrong.

export type EtcdErrorCode =
  | 'etcd.config' // TLS file or env var missing
  | 'etcd.unhealthy' // the health check refused the backup
  | 'etcd.snapshot' // the snapshot stream failed
  | 'etcd.snapshot-hash' // etcd's appended sha256 does not match
  | 'etcd.snapshot-truncated'
  | 'etcd.restore' // `cairn etcd restore` refused (the backup) or failed
  | 'etcd.data-dir' // --data-dir is not empty or not a directory
  | 'etcd.no-tool'; // neither etcdutl nor etcdctl on PATH

export class EtcdError extends Error {
  override readonly name = 'EtcdError';
  constructor(
    readonly code: EtcdErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
