// `cairn sim serve`: runs the Kubernetes API simulator standalone on 127.0.0.1 and writes a
// kubeconfig for it, so cairn (and kubectl's basic verbs) can be tried without a cluster.
import type { Command } from 'commander';
import { CliError } from './common.ts';
import { resolve } from 'node:path';

const DEFAULT_KUBECONFIG = '.cairn/sim-kubeconfig.yaml';

interface ServeOptions {
  seed?: string;
  port?: string;
  kubeconfig: string;
  context: string;
  writeLatency?: string;
}

async function serve(opts: ServeOptions): Promise<void> {
  const port = opts.port === undefined ? 0 : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliError(`--port ${opts.port}: expected a TCP port number between 0 and 65535`);
  }
  const writeLatencyMs = opts.writeLatency === undefined ? 0 : Number(opts.writeLatency);
  if (opts.writeLatency?.trim() === '' || !Number.isFinite(writeLatencyMs) || writeLatencyMs < 0) {
    throw new CliError(`--write-latency ${opts.writeLatency}: expected milliseconds, 0 or more (e.g. 5 for an SSD-backed etcd)`);
  }
  const { startSimulator } = await import('../sim/index.ts');
  const sim = await startSimulator({ seedDir: opts.seed ? resolve(opts.seed) : undefined, port, writeLatencyMs });
  const file = resolve(opts.kubeconfig);
  await sim.writeKubeconfig(file, opts.context);
  process.stdout.write(`Kubernetes API simulator listening on ${sim.url}\nkubeconfig written to ${file} (context ${opts.context})\n  export KUBECONFIG=${file}\n`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      sim.stop().then(done, done);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  process.stdout.write('simulator stopped\n');
}

export function registerSim(program: Command): void {
  const sim = program.command('sim').description('Kubernetes API simulator');
  sim
    .command('serve')
    .description('Serve a simulated Kubernetes API on 127.0.0.1 and write a kubeconfig for it')
    .option('--seed <dir>', 'directory of YAML manifests to load (e.g. samples/cluster)')
    .option('--port <n>', 'port to listen on (default: a free one)')
    .option('--kubeconfig <file>', 'where to write the kubeconfig', DEFAULT_KUBECONFIG)
    .option('--context <name>', 'context name in the kubeconfig', 'cairn-sim')
    .option('--write-latency <ms>', "delay each committed write's answer by this many ms, like etcd's commit latency (default 0)")
    .action(async (opts: ServeOptions) => {
      await serve(opts);
    });
}
