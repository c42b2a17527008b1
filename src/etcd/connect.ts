// Clients for a Cluster's etcd (spec.etcd): one etcd3 client per endpoint, so the health check
// asks each member itself and the snapshot comes from the member chosen, not from whichever
// host etcd3's pool would pick. TLS files are read here, from paths or env vars naming paths.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Etcd3, type IOptions } from 'etcd3';
import type { EtcdSpec, EtcdTlsSpec } from '../api/types.ts';
import { EtcdError } from './errors.ts';

export interface EtcdMemberClient {
  endpoint: string;
  client: Etcd3;
}

type TlsFile = 'caFile' | 'certFile' | 'keyFile';

function tlsPath(tls: EtcdTlsSpec, field: TlsFile, env: NodeJS.ProcessEnv): string | undefined {
  const direct = tls[field];
  if (direct) return direct;
  const name = tls[`${field}FromEnv`];
  if (!name) return undefined;
  const v = env[name];
  if (!v) throw new EtcdError('etcd.config', `spec.etcd.tls.${field}FromEnv names ${name}, which is not set in cairn's environment`);
  return v;
}

function readTls(tls: EtcdTlsSpec, field: TlsFile, env: NodeJS.ProcessEnv, baseDir: string): Buffer | undefined {
  const path = tlsPath(tls, field, env);
  if (path === undefined) return undefined;
  try {
    return readFileSync(resolve(baseDir, path));
  } catch (err) {
    throw new EtcdError('etcd.config', `spec.etcd.tls.${field}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** etcd3 credentials from spec.etcd.tls; undefined for plain http. */
export function etcdCredentials(spec: EtcdSpec, env: NodeJS.ProcessEnv = process.env, baseDir = process.cwd()): IOptions['credentials'] {
  const tls = spec.tls;
  if (!tls || !spec.endpoints.some((e) => e.startsWith('https://'))) return undefined;
  const ca = readTls(tls, 'caFile', env, baseDir);
  const cert = readTls(tls, 'certFile', env, baseDir);
  const key = readTls(tls, 'keyFile', env, baseDir);
  if (!ca) throw new EtcdError('etcd.config', 'spec.etcd.tls needs caFile (or caFileFromEnv): the CA that signed the members\' certificates');
  return { rootCertificate: ca, ...(cert ? { certChain: cert } : {}), ...(key ? { privateKey: key } : {}) };
}

/** One client per endpoint; close them with closeMembers. */
export function connectMembers(spec: EtcdSpec, env: NodeJS.ProcessEnv = process.env, baseDir = process.cwd()): EtcdMemberClient[] {
  const credentials = etcdCredentials(spec, env, baseDir);
  return spec.endpoints.map((endpoint) => ({
    endpoint: endpoint.replace(/\/$/, ''),
    client: new Etcd3({ hosts: endpoint, dialTimeout: 3000, ...(credentials ? { credentials } : {}) }),
  }));
}

export function closeMembers(members: EtcdMemberClient[]): void {
  for (const m of members) m.client.close();
}
