// The demo's etcd step: when an etcd binary is on PATH, a throwaway single-member etcd on a free
// loopback port stands in for the control plane's, and the example's etcd Cluster and policy
// are committed pointing at it. Without etcd the step is skipped (the rest of the demo never
// needs it). The example files are left out of the seed and added by this step.
import { freePort } from '../free-port.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { parseDocument } from 'yaml';
import { Etcd3 } from 'etcd3';

/** The example repository's etcd files, committed by the demo's etcd step rather than seeded. */
export const ETCD_EXAMPLE_FILES = ['clusters/prod-control-plane.yaml', 'policies/prod-etcd.yaml'] as const;

export interface DemoEtcd {
  endpoint: string;
  stop(): Promise<void>;
}

function onPath(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return join(dir, bin);
    } catch {
      // not here
    }
  }
  return undefined;
}


/** Starts a single-member etcd under `dir`; undefined when there is no etcd binary. */
export async function startDemoEtcd(dir: string): Promise<DemoEtcd | undefined> {
  const bin = onPath('etcd');
  if (!bin) return undefined;
  await mkdir(dir, { recursive: true });
  const [client, peer] = [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`];
  const log = openSync(join(dir, 'etcd.log'), 'a');
  const child: ChildProcess = spawn(
    bin,
    ['--name', 'cp-1', '--data-dir', join(dir, 'data'), '--listen-client-urls', client, '--advertise-client-urls', client, '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `cp-1=${peer}`],
    { stdio: ['ignore', log, log] },
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  const etcd = new Etcd3({ hosts: client });
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await etcd.maintenance.status();
        break;
      } catch (err) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the demo's etcd did not start (see ${join(dir, 'etcd.log')}): ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // Something to snapshot: a few keys where the API server keeps its objects.
    for (const ns of ['default', 'kube-system', 'kcm-system']) await etcd.put(`/registry/namespaces/${ns}`).value(JSON.stringify({ kind: 'Namespace', metadata: { name: ns } }));
  } catch (err) {
    await stop();
    throw err;
  } finally {
    etcd.close();
  }
  return { endpoint: client, stop };
}

/** The example Cluster pointed at the demo's etcd (plain http on loopback: no TLS files). */
export function demoEtcdCluster(example: string, endpoint: string): string {
  const doc = parseDocument(example);
  doc.setIn(['spec', 'etcd', 'endpoints'], doc.createNode([endpoint]));
  doc.deleteIn(['spec', 'etcd', 'tls']);
  doc.commentBefore = ` Embedded demo: a local single-member etcd stands in for the control plane's (${endpoint}).`;
  return doc.toString();
}
