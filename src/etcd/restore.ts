// `cairn etcd restore`: rebuild one member's data directory from an etcd backup, where that
// directory lives. Everything that can refuse does so before anything is written: the backup
// must be a Completed etcd snapshot, --data-dir must be absent or empty, etcdutl or etcdctl must
// be on PATH; then cairn's sha256 of the stored artifact (before decrypting) and etcd's own
// sha256 of the database (after) must both match. Only then does etcd's own tool build the
// data directory (`etcdutl snapshot restore`, or `etcdctl snapshot restore` on etcd < 3.5).
import { execFile } from 'node:child_process';
import { accessSync, constants, createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import type { BackupStore } from '../storage/index.ts';
import type { BackupManifest } from '../storage/types.ts';
import { isEtcdBackup } from '../storage/manifest.ts';
import { EtcdHashCheck } from './snapshot-hash.ts';
import { EtcdError } from './errors.ts';

const run = promisify(execFile);

/** The flags of `etcdctl snapshot restore`, named as etcdctl names them. */
export interface EtcdRestoreOptions {
  dataDir: string;
  name: string;
  initialCluster: string;
  initialAdvertisePeerUrls: string;
  initialClusterToken?: string;
  /** Where the verified snapshot is staged; default the parent of dataDir (same filesystem, room for it). */
  tempDir?: string;
  env?: NodeJS.ProcessEnv;
  onStep?: (message: string) => void;
}

export interface EtcdRestoreResult {
  backup: string;
  dataDir: string;
  tool: string;
  revision?: number;
  etcdSha256: string;
  snapshotSize: number;
}

/** The first of etcdutl, etcdctl found on PATH (etcdutl is the restore tool from etcd 3.5 on). */
export function findRestoreTool(env: NodeJS.ProcessEnv = process.env): { tool: 'etcdutl' | 'etcdctl'; path: string } | undefined {
  for (const tool of ['etcdutl', 'etcdctl'] as const) {
    for (const dir of (env.PATH ?? '').split(delimiter)) {
      if (!dir) continue;
      const path = join(dir, tool);
      try {
        accessSync(path, constants.X_OK);
        return { tool, path };
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

async function refuseNonEmpty(dataDir: string): Promise<void> {
  const st = await stat(dataDir).catch(() => undefined);
  if (!st) return;
  if (!st.isDirectory()) throw new EtcdError('etcd.data-dir', `--data-dir ${dataDir} exists and is not a directory: give a new, empty directory`);
  const entries = await readdir(dataDir);
  if (entries.length > 0) {
    throw new EtcdError('etcd.data-dir', `--data-dir ${dataDir} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}): move the old data directory aside first; cairn never writes over a member's data`);
  }
}

/** Checks a manifest is a restorable etcd backup. */
export function checkRestorable(manifest: BackupManifest): asserts manifest is BackupManifest & { etcd: NonNullable<BackupManifest['etcd']> } {
  if (!isEtcdBackup(manifest)) throw new EtcdError('etcd.restore', `backup ${manifest.name} holds API objects, not an etcd snapshot: restore it with \`cairn restore\``);
  if (manifest.phase !== 'Completed' || !manifest.etcd) {
    throw new EtcdError('etcd.restore', `backup ${manifest.name} is ${manifest.phase}${manifest.errors[0] ? ` (${manifest.errors[0]})` : ''}: it holds no snapshot to restore; pick a Completed backup`);
  }
}

/**
 * Downloads, verifies and decrypts the snapshot into `dir`/etcd.db, checking cairn's sha256 of
 * the stored bytes and etcd's sha256 of the database; returns the path.
 */
export async function fetchVerifiedSnapshot(store: BackupStore, manifest: BackupManifest & { etcd: NonNullable<BackupManifest['etcd']> }, dir: string): Promise<string> {
  const fetched = await store.fetchEtcdSnapshot(manifest.name, { tempDir: dir });
  try {
    const db = join(dir, 'etcd.db');
    const check = new EtcdHashCheck(`backup ${manifest.name}`);
    await pipeline(createReadStream(fetched.path), createGunzip(), check, createWriteStream(db, { mode: 0o600 }));
    const got = check.result()!;
    if (got.sha256 !== manifest.etcd.etcdSha256 || got.size !== manifest.etcd.snapshotSize) {
      throw new EtcdError('etcd.snapshot-hash', `backup ${manifest.name}: the snapshot is not the one taken (etcd sha256 ${got.sha256}, ${got.size} bytes; the manifest records ${manifest.etcd.etcdSha256}, ${manifest.etcd.snapshotSize} bytes); refusing to restore it`);
    }
    return db;
  } finally {
    await fetched.cleanup();
  }
}

export async function restoreEtcdMember(store: BackupStore, backup: string, opts: EtcdRestoreOptions): Promise<EtcdRestoreResult> {
  const step = opts.onStep ?? (() => undefined);
  const dataDir = resolve(opts.dataDir);
  const manifest = await store.readManifest(backup);
  checkRestorable(manifest);
  await refuseNonEmpty(dataDir);
  const env = opts.env ?? process.env;
  const tool = findRestoreTool(env);
  if (!tool) throw new EtcdError('etcd.no-tool', 'neither etcdutl nor etcdctl is on PATH: install etcd\'s tools (Debian: etcd-client) on this member, or put them on PATH');

  const staging = await mkdtemp(join(opts.tempDir ?? dirname(dataDir), '.cairn-etcd-restore-'));
  try {
    step(`fetching ${backup} from location ${store.name} and verifying cairn's sha256 and etcd's hash`);
    const db = await fetchVerifiedSnapshot(store, manifest, staging);
    step(`verified: ${manifest.etcd.snapshotSize} bytes, etcd sha256 ${manifest.etcd.etcdSha256}, revision ${manifest.etcd.revision}`);
    const args = [
      'snapshot', 'restore', db,
      '--data-dir', dataDir,
      '--name', opts.name,
      '--initial-cluster', opts.initialCluster,
      '--initial-advertise-peer-urls', opts.initialAdvertisePeerUrls,
      ...(opts.initialClusterToken ? ['--initial-cluster-token', opts.initialClusterToken] : []),
    ];
    step(`${tool.tool} ${args.join(' ')}`);
    try {
      await run(tool.path, args, { env: tool.tool === 'etcdctl' ? { ...env, ETCDCTL_API: '3' } : env, maxBuffer: 16 << 20 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      const why = (e.stderr ?? '').trim().split('\n').filter((l) => !l.startsWith('{')).pop() ?? e.message;
      throw new EtcdError('etcd.restore', `${tool.tool} snapshot restore failed: ${why || e.message}`, { cause: err });
    }
    return { backup, dataDir, tool: tool.tool, revision: manifest.etcd.revision, etcdSha256: manifest.etcd.etcdSha256, snapshotSize: manifest.etcd.snapshotSize };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
