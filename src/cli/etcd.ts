// `cairn etcd restore <backup> --location L --repo R --data-dir DIR --name NAME
//   --initial-cluster ... --initial-advertise-peer-urls URL [--initial-cluster-token T]`:
// rebuilds one etcd member's data directory from an etcd backup, on the machine where that
// directory lives. Flags are named as `etcdctl snapshot restore` names them; --data-dir is
// therefore the member's directory, and cairn's own data directory is --cairn-data-dir.
// Exit 0 when the data directory is built, 1 when cairn refuses or the restore fails.
import type { Command } from 'commander';

interface EtcdRestoreCliOptions {
  location?: string;
  repo: string;
  cairnDataDir: string;
  dataDir: string;
  name: string;
  initialCluster: string;
  initialAdvertisePeerUrls: string;
  initialClusterToken?: string;
  output: 'text' | 'json';
}

export function registerEtcd(program: Command): void {
  const etcd = program.command('etcd').description('etcd snapshots: restore a member from an etcd backup');
  etcd
    .command('restore <backup>')
    .description("verify an etcd backup (cairn's sha256 and etcd's hash) and rebuild one member's data directory from it; run it on every member with the same backup")
    .requiredOption('--data-dir <dir>', "the member's new data directory (must be absent or empty), as etcdctl names it")
    .requiredOption('--name <name>', "the member's name, as in --initial-cluster")
    .requiredOption('--initial-cluster <list>', 'every member as name=peerURL, comma-separated')
    .requiredOption('--initial-advertise-peer-urls <urls>', "this member's peer URL(s)")
    .option('--initial-cluster-token <token>', 'a new cluster token for the restored cluster (etcd default: etcd-cluster)')
    .option('--location <name>', 'BackupLocation holding the backup (default: the location with default: true)')
    .option('--repo <dir>', 'policy repository (a checkout) that defines the location', '.')
    .option('--cairn-data-dir <dir>', "cairn's data directory: base of relative filesystem locations and key files", '.cairn/data')
    .option('--output <format>', 'text or json', 'text')
    .action(async (backup: string, opts: EtcdRestoreCliOptions) => {
      if (opts.output !== 'text' && opts.output !== 'json') throw new Error(`--output must be text or json, not ${JSON.stringify(opts.output)}`);
      const { restoreEtcdMemberFromRepo } = await import('../restore/etcd.ts');
      const say = (m: string) => opts.output === 'text' && process.stderr.write(`${m}\n`);
      try {
        const result = await restoreEtcdMemberFromRepo(backup, {
          repo: opts.repo,
          ...(opts.location ? { location: opts.location } : {}),
          cairnDataDir: opts.cairnDataDir,
          dataDir: opts.dataDir,
          name: opts.name,
          initialCluster: opts.initialCluster,
          initialAdvertisePeerUrls: opts.initialAdvertisePeerUrls,
          ...(opts.initialClusterToken ? { initialClusterToken: opts.initialClusterToken } : {}),
          onStep: say,
        });
        if (opts.output === 'json') process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else process.stdout.write(`restored ${backup} (revision ${result.revision}) into ${result.dataDir} for member ${opts.name} with ${result.tool}; start etcd on it with --name ${opts.name}\n`);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (!code?.startsWith('etcd.') && !code?.startsWith('storage.')) throw err;
        if (opts.output === 'json') process.stdout.write(`${JSON.stringify({ backup, error: { code, message: (err as Error).message } }, null, 2)}\n`);
        process.stderr.write(`cairn: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
