// vitest global setup: starts the real servers the suites share, once per run.
// The S3 server (Ceph radosgw) lands with the storage issue.
export async function setup(): Promise<void> {}
export async function teardown(): Promise<void> {}
