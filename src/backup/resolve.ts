// Which location and cluster a policy backs up to/from (DESIGN §2): its own `location`, else the
// location marked `default: true`, else — when the repository defines no location at all — the
// embedded filesystem default under the data directory. Pure: data in, data out.
import { chooseRepoLocation } from '../api/location-choice.ts';
import { API_VERSION, type BackupLocation, type BackupPolicy, type Cluster, type PolicyRepository } from '../api/types.ts';

export class PolicyResolveError extends Error {
  override readonly name = 'PolicyResolveError';
  constructor(
    readonly code: 'policy.notFound' | 'policy.invalid' | 'ref.location' | 'ref.cluster',
    message: string,
  ) {
    super(message);
  }
}

export const EMBEDDED_LOCATION = 'default';

export function embeddedLocation(dataDir: string): BackupLocation {
  return {
    apiVersion: API_VERSION,
    kind: 'BackupLocation',
    metadata: { name: EMBEDDED_LOCATION },
    spec: { provider: 'filesystem', filesystem: { path: dataDir }, default: true },
    source: { file: '(embedded default)', line: 0, col: 0 },
  };
}

export interface ResolvedPolicy {
  policy: BackupPolicy;
  location: BackupLocation;
  /** undefined: the engine's own kubeconfig / in-cluster account. */
  cluster?: Cluster;
}

export function resolvePolicy(repo: PolicyRepository, name: string, dataDir: string): ResolvedPolicy {
  const policy = repo.policies.find((p) => p.metadata.name === name);
  if (!policy) {
    const frozen = repo.frozen.find((f) => f.kind === 'BackupPolicy' && f.name === name);
    if (frozen) {
      throw new PolicyResolveError('policy.invalid', `policy "${name}" in ${frozen.file} is invalid; run "cairn validate" and fix it first`);
    }
    const known = repo.policies.map((p) => p.metadata.name).join(', ') || 'none';
    throw new PolicyResolveError('policy.notFound', `no BackupPolicy named "${name}" in the repository (policies: ${known})`);
  }
  const where = `${policy.source.file}: policy "${name}"`;

  let location: BackupLocation;
  if (!policy.spec.location && repo.locations.length === 0) {
    location = embeddedLocation(dataDir);
  } else {
    const choice = chooseRepoLocation(repo, policy.spec.location);
    if (!choice.ok) throw new PolicyResolveError('ref.location', `${where}: ${choice.message} in locations/ (set spec.location, or mark one BackupLocation with spec.default: true)`);
    location = choice.location;
  }

  let cluster: Cluster | undefined;
  if (policy.spec.cluster) {
    cluster = repo.clusters.find((c) => c.metadata.name === policy.spec.cluster);
    if (!cluster) throw new PolicyResolveError('ref.cluster', `${where}: spec.cluster "${policy.spec.cluster}" names no Cluster in clusters/`);
  }
  return { policy, location, cluster };
}
