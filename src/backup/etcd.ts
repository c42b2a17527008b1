// One etcd backup (issue 14): lock → health check → snapshot of one healthy member, streamed
// through etcd's hash check, a parallel gzip and (for an encrypted location) the encryption,
// into backups/<name>/etcd.db.gz[.enc] → log → manifest, the manifest last. Memory stays flat:
// at most a few 1 MiB chunks are in flight whatever the database's size.
//
// Outcome, as for resource backups (run.ts):
//  - Completed: the snapshot is stored and etcd's sha256 matched.
//  - Failed: the health check refused (the message names the member and what is wrong), or the
//    snapshot stream failed or did not match etcd's hash. The artifact is then an empty
//    snapshot and the manifest says why, so status and history show it; it is never restored.
//  - Storage failing (or the caller cancelling): the partial upload is removed and this throws.
import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { Logger } from '../log.ts';
import type { BackupManifest, BackupPhase, EtcdSnapshotInfo } from '../storage/types.ts';
import { ENGINE_VERSION } from '../version.ts';
import { silentLogger } from '../log.ts';
import { closeMembers, connectMembers, type EtcdMemberClient } from '../etcd/connect.ts';
import type { Cluster } from '../api/types.ts';
import { checkHealth, type HealthReport } from '../etcd/health.ts';
import { openSnapshot } from '../etcd/snapshot.ts';
import { EtcdHashCheck, EtcdHashError } from '../etcd/snapshot-hash.ts';
import { EtcdError } from '../etcd/errors.ts';
import { ParallelGzip } from './parallel-gzip.ts';
import { GcPacer } from '../gc-pacer.ts';
import { BackupLog } from './log.ts';
import { BackupError, manifestOrigin, type BackupTarget, type BackupUpload } from './types.ts';

/** gzip level of etcd snapshots: bbolt pages are mostly free space and small values; level 1 keeps up with the stream. */
export const ETCD_GZIP_LEVEL = 1;
/** Bytes handed to each parallel deflate. */
const CHUNK = 1 << 20;

export interface RunEtcdBackupOptions {
  members: EtcdMemberClient[];
  store: BackupTarget;
  name: string;
  policy: string;
  location: string;
  clusterName: string;
  gitRevision?: string;
  scheduledTime?: string;
  trigger?: string;
  lockHolder?: string;
  lockTtlMs?: number;
  gzipLevel?: number;
  logger?: Logger;
  onProgress?: (p: { bytes: number }) => void;
  signal?: AbortSignal;
}

export async function runEtcdBackup(opts: RunEtcdBackupOptions): Promise<BackupManifest> {
  const logger = opts.logger ?? silentLogger;
  const lock = await opts.store.acquireLock(opts.policy, opts.lockHolder ?? `${hostname()}:${process.pid}`, opts.lockTtlMs ?? 3_600_000);
  try {
    return await backupLocked(opts, logger);
  } finally {
    await lock.release().catch((err: unknown) => logger.warn({ policy: opts.policy, err: (err as Error).message }, 'could not release the backup lock; it expires on its own'));
  }
}

/** One etcd backup of `cluster` (its spec.etcd), connecting to its members and closing them after. */
export async function runEtcdBackupOf(cluster: Cluster, opts: Omit<RunEtcdBackupOptions, 'members' | 'clusterName'>, env: NodeJS.ProcessEnv = process.env): Promise<BackupManifest> {
  if (!cluster.spec.etcd) throw new EtcdError('etcd.config', `Cluster "${cluster.metadata.name}" has no spec.etcd (endpoints, tls)`);
  const members = connectMembers(cluster.spec.etcd, env);
  try {
    return await runEtcdBackup({ ...opts, members, clusterName: cluster.metadata.name });
  } finally {
    closeMembers(members);
  }
}

/** Snapshot failures that make the backup Failed (the cluster's side), as opposed to storage's. */
function isEtcdSide(err: unknown): err is Error {
  return err instanceof EtcdError || err instanceof EtcdHashError;
}

async function backupLocked(opts: RunEtcdBackupOptions, logger: Logger): Promise<BackupManifest> {
  const { name } = opts;
  const start = new Date();
  const log = new BackupLog(logger, name);
  const upload: BackupUpload = await opts.store.beginBackup(name);
  const warnings: string[] = [];
  const errors: string[] = [];
  let phase: BackupPhase = 'Failed';
  let etcd: EtcdSnapshotInfo | undefined;
  let health: HealthReport | undefined;
  try {
    log.write('info', 'etcd backup started', { policy: opts.policy, cluster: opts.clusterName, endpoints: opts.members.map((m) => m.endpoint) });
    health = await checkHealth(opts.members);
    for (const w of health.warnings) {
      warnings.push(w);
      log.write('warn', 'etcd member unhealthy', { warning: w });
    }
    if (!health.ok) {
      errors.push(`etcd is not healthy, no snapshot taken: ${health.problems.join('; ')}`);
      log.write('error', 'etcd health check failed', { problems: health.problems });
      await upload.writeEtcd(emptySnapshot());
    } else {
      const pick = health.pick!;
      log.write('info', 'snapshot member chosen', { member: pick.name, id: pick.id, endpoint: pick.endpoint, reason: health.pickReason });
      try {
        etcd = await streamSnapshot(opts, upload, health, log);
        phase = 'Completed';
        log.write('info', 'etcd snapshot stored', { ...etcd });
      } catch (err) {
        if (!isEtcdSide(err) || opts.signal?.aborted) throw err; // storage failing or cancelled: abort below
        errors.push(err.message);
        log.write('error', 'etcd snapshot failed', { error: err.message });
        // Overwrite whatever part was stored: a Failed backup holds no half snapshot.
        await upload.writeEtcd(emptySnapshot());
      }
    }
    log.write(phase === 'Completed' ? 'info' : 'warn', 'backup finished', { phase });
    await upload.writeLog(log.lines);
  } catch (err) {
    await upload.abort();
    if (opts.signal?.aborted) throw new BackupError('backup.aborted', `backup ${name} was cancelled; the partial upload was removed`, name, { cause: err });
    throw new BackupError('backup.upload', `backup ${name}: writing to location ${opts.location} failed, the partial upload was removed: ${(err as Error).message}`, name, { cause: err });
  }

  try {
    const picked = health.pick;
    return await upload.commit({
      type: 'etcd',
      name,
      phase,
      ...manifestOrigin(opts, start, ENGINE_VERSION),
      cluster: { name: opts.clusterName, ...(picked ? { server: picked.endpoint } : {}), serverVersion: picked?.status ? `etcd ${picked.status.version}` : 'unknown' },
      resources: [],
      itemCounts: {},
      totalItems: 0,
      warnings,
      errors,
      ...(etcd ? { etcd } : {}),
    });
  } catch (err) {
    await upload.abort();
    throw new BackupError('backup.upload', `backup ${name}: writing to location ${opts.location} failed, the partial upload was removed: ${(err as Error).message}`, name, { cause: err });
  }
}

/** What a Failed backup stores: a gzip of nothing, so every etcd backup has the same artifacts. */
function emptySnapshot(): Readable {
  return Readable.from([gzipSync(Buffer.alloc(0))]);
}

/**
 * Streams the chosen member's snapshot into storage: etcd's bytes → hash check → 1 MiB chunks
 * deflated in parallel → (encryption, in the writer) → upload, all stages overlapping.
 */
async function streamSnapshot(opts: RunEtcdBackupOptions, upload: BackupUpload, health: HealthReport, log: BackupLog): Promise<EtcdSnapshotInfo> {
  const pick = health.pick!;
  const client = opts.members.find((m) => m.endpoint === pick.endpoint)!.client;
  const status = pick.status!;
  const started = performance.now();
  const gz = new ParallelGzip(opts.gzipLevel ?? ETCD_GZIP_LEVEL);
  const stored = upload.writeEtcd(gz.stream);
  stored.catch((err: unknown) => gz.destroy(err instanceof Error ? err : new Error(String(err))));
  const member = pick.name ? `${pick.name} (${pick.endpoint})` : pick.endpoint;
  const check = new EtcdHashCheck(`the snapshot from ${member}`);
  const produce = async () => {
    const source = await openSnapshot(client, member, opts.signal);
    source.on('error', (err) => check.destroy(err));
    source.pipe(check);
    let parts: Buffer[] = [];
    let partBytes = 0;
    let pending: Buffer | undefined; // held back until we know whether it is the last chunk
    let bytes = 0;
    let reported = 0;
    const pacer = new GcPacer();
    for await (const c of check) {
      const chunk = c as Buffer;
      pacer.streamed(chunk.length);
      parts.push(chunk);
      partBytes += chunk.length;
      bytes += chunk.length;
      if (partBytes < CHUNK) continue;
      const full = Buffer.concat(parts, partBytes);
      parts = [];
      partBytes = 0;
      if (pending) await gz.write(pending, false);
      pending = full;
      if (bytes - reported >= 64 * CHUNK) {
        reported = bytes;
        opts.onProgress?.({ bytes });
        log.write('info', 'snapshot progress', { bytes });
      }
    }
    const rest = Buffer.concat(parts, partBytes);
    if (pending && rest.length > 0) await gz.write(pending, false);
    await gz.write(rest.length > 0 ? rest : (pending ?? rest), true);
    await gz.drained();
    opts.onProgress?.({ bytes });
  };
  const [produced, uploaded] = await Promise.allSettled([
    produce().catch((err: unknown) => {
      gz.destroy(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }),
    stored,
  ]);
  if (produced.status === 'rejected' && isEtcdSide(produced.reason)) {
    // The upload was stopped by this failure; wait for it so nothing is written after.
    throw produced.reason;
  }
  if (uploaded.status === 'rejected') throw uploaded.reason;
  if (produced.status === 'rejected') throw produced.reason;
  const checked = check.result()!;
  return {
    version: status.version,
    clusterId: health.clusterId!,
    member: { id: pick.id!, name: pick.name ?? '', endpoint: pick.endpoint },
    revision: Number(status.header.revision),
    dbSize: Number(status.dbSize),
    snapshotSize: checked.size,
    etcdSha256: checked.sha256,
    durationMs: Math.round(performance.now() - started),
    members: health.cluster,
  };
}
