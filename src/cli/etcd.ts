// `cairn etcd restore <backup> --location L --repo R --data-dir DIR --name NAME
//   --initial-cluster ... --initial-advertise-peer-urls URL [--initial-cluster-token T]`:
// rebuilds one etcd member's data directory from an etcd backup, on the machine where that
// directory lives. Flags are named as `etcdctl snapshot restore` names them; --data-dir is
// therefore the member's directory, and cairn's own data directory is --cairn-data-dir.
// Exit 0 when the data directory is built; 1 when the backup is refused (not a Completed etcd
// snapshot, a checksum mismatch) or the restore fails; 2 for a non-empty --data-dir, no
// etcdutl/etcdctl on PATH, or a location that cannot be opened (README "Exit codes").
import type { Command } from 'commander';
import { CliError, EXIT, defaultDataDir, outputOption, print, printData, repoOption, type Output } from './common.ts';

interface EtcdRestoreCliOptions {
  location?: string;
  repo: string;
  branch?: string;
  cairnDataDir: string;
  dataDir: string;
  name: string;
  initialCluster: string;
  initialAdvertisePeerUrls: string;
  initialClusterToken?: string;
  output: Output;
}

export function registerEtcd(program: Command): void {
  const etcd = program.command('etcd').description('etcd snapshots: restore a member from an etcd backup');
  const restore = etcd
    .command('restore <backup>')
    .description("verify an etcd backup (cairn's sha256 and etcd's hash) and rebuild one member's data directory from it; run it on every member with the same backup")
    .requiredOption('--data-dir <dir>', "the member's new data directory (must be absent or empty), as etcdctl names it")
    .requiredOption('--name <name>', "the member's name, as in --initial-cluster")
    .requiredOption('--initial-cluster <list>', 'every member as name=peerURL, comma-separated')
    .requiredOption('--initial-advertise-peer-urls <urls>', "this member's peer URL(s)")
    .option('--initial-cluster-token <token>', 'a new cluster token for the restored cluster (etcd default: etcd-cluster)')
    .option('--location <name>', 'BackupLocation holding the backup (default: the location marked default: true, else the only one)')
    .option('--branch <name>', 'branch of --repo to read (a URL or bare repository)')
    .option('--cairn-data-dir <dir>', "cairn's data directory: relative filesystem locations, key files, the clone of a remote --repo; env CAIRN_DATA_DIR", defaultDataDir())
    .addOption(outputOption(['text', 'json']));
  repoOption(restore, '.');
  restore.action(async (backup: string, opts: EtcdRestoreCliOptions) => {
    const { chooseNamedLocation } = await import('./location.ts');
    const { restoreEtcdMember } = await import('../restore/etcd.ts');
    const at = await chooseNamedLocation({ repo: opts.repo, dataDir: opts.cairnDataDir, ...(opts.location ? { location: opts.location } : {}), ...(opts.branch ? { branch: opts.branch } : {}) });
    try {
      const result = await restoreEtcdMember(at, backup, {
        dataDir: opts.dataDir,
        name: opts.name,
        initialCluster: opts.initialCluster,
        initialAdvertisePeerUrls: opts.initialAdvertisePeerUrls,
        ...(opts.initialClusterToken ? { initialClusterToken: opts.initialClusterToken } : {}),
        onStep: (m) => opts.output === 'text' && process.stderr.write(`${m}\n`),
      });
      if (opts.output === 'json') await printData(result, 'json');
      else print(`restored ${backup} (revision ${result.revision}) into ${result.dataDir} for member ${opts.name} with ${result.tool}; start etcd on it with --name ${opts.name}`);
    } catch (err) {
      const code = (err as { code?: string }).code;
      // A flag that names a busy directory, or a machine without etcd's tools: fix the setup.
      if (code === 'etcd.data-dir' || code === 'etcd.no-tool') throw new CliError((err as Error).message, EXIT.USAGE);
      throw err;
    }
  });
}
