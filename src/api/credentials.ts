// Refuses credentials written into Git. Any key that names a secret (accessKey, secretKey,
// password, token, ...) holding a literal value is an error, wherever it appears, and the
// message names the reference to use instead. The value itself is never echoed.
import type { KindName } from './types.ts';
import { issue, type Issue, type PathSegment } from './errors.ts';

type Secret = 'accessKey' | 'secretKey' | 'sessionToken' | 'password' | 'token';

const SECRET_KEYS: Record<string, Secret> = {
  accesskey: 'accessKey',
  accesskeyid: 'accessKey',
  awsaccesskeyid: 'accessKey',
  secretkey: 'secretKey',
  secretaccesskey: 'secretKey',
  awssecretaccesskey: 'secretKey',
  sessiontoken: 'sessionToken',
  awssessiontoken: 'sessionToken',
  password: 'password',
  passphrase: 'password',
  encryptionkey: 'password',
  token: 'token',
  bearertoken: 'token',
  apikey: 'token',
  clientsecret: 'token',
};

// Maps whose keys are user data (label names), not field names.
const DATA_MAPS = new Set(['labels', 'annotations', 'matchLabels', 'namespaceMapping']);

function reference(secret: Secret, kind: KindName | undefined): string {
  if (kind === 'Cluster') return 'spec.kubeconfigFromEnv or spec.kubeconfig (the path of a kubeconfig file)';
  switch (secret) {
    case 'accessKey':
      return 'spec.s3.credentials.accessKeyIdFromEnv';
    case 'secretKey':
      return 'spec.s3.credentials.secretAccessKeyFromEnv';
    case 'sessionToken':
      return 'spec.s3.credentials.sessionTokenFromEnv';
    case 'password':
      return 'spec.encryption.passphraseFromEnv (or spec.encryption.keyFile)';
    case 'token':
      return kind === 'BackupLocation' ? 'spec.s3.credentials.sessionTokenFromEnv' : 'an environment variable reference (a field ending in FromEnv)';
  }
}

function isLiteral(v: unknown): boolean {
  return (typeof v === 'string' && v.trim() !== '') || typeof v === 'number' || typeof v === 'bigint';
}

/** Finds inline secrets anywhere in a document. */
export function findInlineCredentials(value: unknown, kind: KindName | undefined, path: PathSegment[] = []): Issue[] {
  const out: Issue[] = [];
  const walk = (v: unknown, at: PathSegment[]) => {
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, [...at, i]));
      return;
    }
    if (!v || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
      if (DATA_MAPS.has(k)) continue;
      const secret = SECRET_KEYS[k.toLowerCase()];
      if (secret && isLiteral(child)) {
        out.push(
          issue('credential.inline', [...at, k], `inline credential: secrets must not be written into Git; remove "${k}" and use ${reference(secret, kind)}`, 'key'),
        );
        continue;
      }
      walk(child, [...at, k]);
    }
  };
  walk(value, path);
  return out;
}

/** A kubeconfig's content pasted where its path belongs carries the cluster's credentials. */
export function inlineKubeconfigProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.includes('\n') || /^\s*apiVersion\s*:/.test(value)) {
    return 'inline credential: this looks like the content of a kubeconfig, which holds the cluster\'s credentials; give the path of the file instead, or use spec.kubeconfigFromEnv';
  }
  return undefined;
}
