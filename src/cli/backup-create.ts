// The implementation of `cairn backup create --policy <name>` (loaded when it runs).
// Progress bar on stderr when it is a TTY. Prints a summary line (table) or the summary as
// JSON/YAML (-o). Exit 0 when the backup Completed, 1 otherwise, 2 on a usage or environment error.
import { resolve } from 'node:path';
import { resolvePolicy } from '../backup/resolve.ts';
import { runManualBackup } from '../backup/manual.ts';
import type { BackupProgress } from '../backup/types.ts';
import { createLogger } from '../log.ts';
import { scheduledBackupName } from '../schedule/naming.ts';
import { CliError, assertDataDirOutsideWorkTree, printData, type Output } from './common.ts';
import { loadPolicyRepository } from './location.ts';
import { payloadSize } from '../backup/describe.ts';

interface CreateOptions {
  policy: string;
  repo: string;
  dataDir: string;
  name?: string;
  kubeconfig?: string;
  context?: string;
  output: Output;
}

export async function createBackup(opts: CreateOptions): Promise<number> {
  const tty = process.stderr.isTTY === true;
  const logger = createLogger({ level: tty ? 'warn' : undefined });
  const started = Date.now();
  let bar: ProgressBar | undefined;
  // Backups may hold Secrets in plain text: never write them into a Git work tree (issue 21).
  assertDataDirOutsideWorkTree(opts.dataDir);
  try {
    const { repo } = await loadPolicyRepository(opts);
    const { policy, location, cluster } = resolvePolicy(repo, opts.policy, resolve(opts.dataDir));
    if (policy.spec.type === 'etcd' && !cluster) throw new CliError(`policy ${policy.metadata.name} is of type etcd but names no Cluster with spec.etcd`);
    const name = opts.name ?? scheduledBackupName(policy.metadata.name, new Date());
    bar = tty && policy.spec.type !== 'etcd' ? new ProgressBar(name) : undefined;
    const manifest = await runManualBackup({
      name,
      policy,
      location,
      ...(cluster ? { cluster } : {}),
      ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
      ...(opts.context ? { context: opts.context } : {}),
      dataDir: resolve(opts.dataDir),
      logger,
      ...(bar ? { onProgress: (p: BackupProgress) => bar?.update(p) } : {}),
    });
    bar?.done();
    await printSummary(manifest, opts.output, started);
    return manifest.phase === 'Completed' ? 0 : 1;
  } catch (err) {
    bar?.done();
    throw err;
  }
}

/** The table line (with the etcd snapshot's member and revision), or the summary as JSON/YAML. */
async function printSummary(manifest: Awaited<ReturnType<typeof runManualBackup>>, output: Output, started: number): Promise<void> {
  const summary = {
    name: manifest.name,
    phase: manifest.phase,
    location: manifest.location,
    ...(manifest.etcd ? {} : { items: manifest.totalItems }),
    bytes: payloadSize(manifest),
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    ...(manifest.etcd ? { etcd: manifest.etcd } : {}),
    warnings: manifest.warnings,
    errors: manifest.errors,
  };
  if (output === 'json' || output === 'yaml') {
    await printData(summary, output);
    return;
  }
  const what = manifest.etcd
    ? `etcd snapshot of ${manifest.etcd.member.name || manifest.etcd.member.endpoint} at revision ${manifest.etcd.revision}, `
    : `${manifest.totalItems} items, `;
  process.stdout.write(`backup ${summary.name}: ${summary.phase}, ${what}${formatBytes(summary.bytes)} in ${summary.durationSeconds}s\n`);
  for (const w of [...summary.warnings, ...summary.errors]) process.stdout.write(`  ${w}\n`);
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** One redrawn stderr line, at most ten times a second. */
class ProgressBar {
  private last = 0;
  constructor(private readonly name: string) {}

  update(p: BackupProgress): void {
    const now = Date.now();
    if (now - this.last < 100 && p.resourcesDone < p.resources) return;
    this.last = now;
    const width = 24;
    const filled = p.resources ? Math.round((p.resourcesDone / p.resources) * width) : 0;
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    process.stderr.write(`\r${this.name} [${bar}] ${p.resourcesDone}/${p.resources} lists, ${p.items} items, ${formatBytes(p.bytes)}\x1b[K`);
  }

  done(): void {
    process.stderr.write('\r\x1b[K');
  }
}
