// Turns a BackupLocation from the policy repository into a BackupStore: picks the provider,
// resolves relative paths, reads credentials from the environment variables the spec names.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Logger } from '../log.ts';
import type { BackupLocation } from '../api/types.ts';
import { silentLogger } from '../log.ts';
import type { KeySource } from './crypto.ts';
import { BackupStore } from './store.ts';
import { FilesystemObjectStore } from './fs-store.ts';
import { CredentialsError, LocationConfigError } from './errors.ts';

export interface OpenLocationOptions {
  env?: NodeJS.ProcessEnv;
  /** Relative filesystem paths and key files resolve against it; default process.cwd(). */
  baseDir?: string;
  logger?: Logger;
}

function fromEnv(env: NodeJS.ProcessEnv, location: string, field: string, variable: string): string {
  const value = env[variable];
  if (value === undefined || value === '') {
    throw new CredentialsError(`location ${location}: environment variable ${variable} (${field}) is not set; export it before running cairn`, { location });
  }
  return value;
}

export async function openLocation(location: BackupLocation, opts: OpenLocationOptions = {}): Promise<BackupStore> {
  const env = opts.env ?? process.env;
  const baseDir = opts.baseDir ?? process.cwd();
  const logger = (opts.logger ?? silentLogger).child({ location: location.metadata.name });
  const name = location.metadata.name;
  const spec = location.spec;

  let objects;
  if (spec.provider === 'filesystem') {
    if (!spec.filesystem?.path) throw new LocationConfigError(`location ${name}: provider filesystem needs spec.filesystem.path`, { location: name });
    const root = isAbsolute(spec.filesystem.path) ? spec.filesystem.path : resolve(baseDir, spec.filesystem.path);
    objects = new FilesystemObjectStore(root);
  } else if (spec.provider === 's3') {
    const s3 = spec.s3;
    if (!s3?.endpoint || !s3.bucket) throw new LocationConfigError(`location ${name}: provider s3 needs spec.s3.endpoint and spec.s3.bucket`, { location: name });
    const c = s3.credentials ?? {};
    const accessKey = c.accessKeyIdFromEnv ? fromEnv(env, name, 'spec.s3.credentials.accessKeyIdFromEnv', c.accessKeyIdFromEnv) : '';
    const secretKey = c.secretAccessKeyFromEnv ? fromEnv(env, name, 'spec.s3.credentials.secretAccessKeyFromEnv', c.secretAccessKeyFromEnv) : '';
    // The S3 client (minio) is loaded by the first S3 location opened, not at import (issue 17).
    const { S3ObjectStore } = await import('./s3-store.ts');
    objects = new S3ObjectStore({
      location: name,
      endpoint: s3.endpoint,
      bucket: s3.bucket,
      prefix: s3.prefix,
      region: s3.region,
      forcePathStyle: s3.forcePathStyle,
      insecureSkipTLSVerify: s3.insecureSkipTLSVerify,
      accessKey,
      secretKey,
      sessionToken: c.sessionTokenFromEnv ? fromEnv(env, name, 'spec.s3.credentials.sessionTokenFromEnv', c.sessionTokenFromEnv) : undefined,
    });
  } else {
    throw new LocationConfigError(`location ${name}: unknown provider ${JSON.stringify((spec as { provider?: unknown }).provider)} (use s3 or filesystem)`, {
      location: name,
    });
  }

  const enc = spec.encryption;
  let keySource: (() => Promise<KeySource>) | undefined;
  if (enc?.passphraseFromEnv) {
    const variable = enc.passphraseFromEnv;
    keySource = async () => ({ passphrase: fromEnv(env, name, 'spec.encryption.passphraseFromEnv', variable) });
  } else if (enc?.keyFile) {
    const path = isAbsolute(enc.keyFile) ? enc.keyFile : resolve(baseDir, enc.keyFile);
    keySource = async () => {
      try {
        return { keyFile: await readFile(path) };
      } catch (err) {
        throw new CredentialsError(`location ${name}: cannot read spec.encryption.keyFile ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
          location: name,
        });
      }
    };
  }
  logger.debug({ store: objects.description, encrypted: keySource !== undefined }, 'opened backup location');
  return new BackupStore(name, objects, keySource, logger);
}
