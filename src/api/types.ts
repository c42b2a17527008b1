// The five kinds of the policy repository (DESIGN §2) as TypeScript types.
// The JSON Schemas in schemas/ are the source of truth for validation; these types
// describe what a validated object looks like after defaults are applied.

export const API_VERSION = 'cairn.dev/v1alpha1';

export type KindName = 'BackupLocation' | 'Cluster' | 'BackupPolicy' | 'RestoreRequest' | 'ResourceModifiers';

/** Folder of the policy repository each kind lives in. */
export const KIND_FOLDERS: Record<KindName, string> = {
  BackupLocation: 'locations',
  Cluster: 'clusters',
  BackupPolicy: 'policies',
  RestoreRequest: 'restores',
  ResourceModifiers: 'modifiers',
};

export interface ObjectMeta {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Where an object came from: repository-relative file and 1-based position. */
export interface SourceRef {
  file: string;
  line: number;
  col: number;
  /** Index of the YAML document inside a multi-document file (0-based). */
  doc?: number;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

// ---------------------------------------------------------------- BackupLocation

export interface S3Credentials {
  accessKeyIdFromEnv?: string;
  secretAccessKeyFromEnv?: string;
  sessionTokenFromEnv?: string;
}

export interface S3LocationSpec {
  endpoint: string;
  bucket: string;
  prefix?: string;
  region?: string; // default us-east-1
  forcePathStyle?: boolean; // default true
  insecureSkipTLSVerify?: boolean; // default false
  credentials?: S3Credentials;
}

export interface FilesystemLocationSpec {
  path: string;
}

export interface EncryptionSpec {
  passphraseFromEnv?: string;
  keyFile?: string;
}

export interface BackupLocationSpec {
  default?: boolean;
  provider: 's3' | 'filesystem';
  s3?: S3LocationSpec;
  filesystem?: FilesystemLocationSpec;
  encryption?: EncryptionSpec;
}

// ---------------------------------------------------------------- Cluster

/**
 * TLS of the etcd client connection. Each file is a path, or `...FromEnv`: the name of an
 * environment variable holding the path (key material never goes into Git).
 */
export interface EtcdTlsSpec {
  caFile?: string;
  caFileFromEnv?: string;
  certFile?: string;
  certFileFromEnv?: string;
  keyFile?: string;
  keyFileFromEnv?: string;
}

/** The cluster's etcd, for policies of type etcd. */
export interface EtcdSpec {
  /** Client URLs of every member, http(s)://host:port. */
  endpoints: string[];
  tls?: EtcdTlsSpec;
}

export interface ClusterSpec {
  /** Path to a kubeconfig file (relative paths resolve against the engine's working directory). */
  kubeconfig?: string;
  /** Environment variable holding the kubeconfig path. */
  kubeconfigFromEnv?: string;
  context?: string;
  /** Use the pod's service account. */
  inCluster?: boolean;
  etcd?: EtcdSpec;
}

// ---------------------------------------------------------------- BackupPolicy

export interface GfsRetention {
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
}

/** Namespace/resource/label selection shared by policies and restores (Velero semantics). */
export interface ResourceSelection {
  includedNamespaces?: string[]; // default ["*"]
  excludedNamespaces?: string[];
  includedResources?: string[]; // default ["*"]
  excludedResources?: string[];
  /** true, false, or null/undefined = only cluster-scoped objects the included namespaces need. */
  includeClusterResources?: boolean | null;
  labelSelector?: LabelSelector;
  orLabelSelectors?: LabelSelector[];
}

/** What a policy backs up: API objects (the default) or snapshots of the cluster's etcd. */
export type BackupType = 'resources' | 'etcd';

export interface BackupPolicySpec extends ResourceSelection {
  type?: BackupType; // default resources
  cluster?: string;
  location?: string;
  schedule?: string;
  trigger?: string;
  suspend?: boolean;
  keep?: number;
  ttl?: string;
  retention?: GfsRetention;
  gracePeriod?: string; // default 24h
  /** How long Failed / PartiallyFailed backups are kept; default 72h. They never count toward keep. */
  failedBackupTTL?: string;
  deletionPolicy?: 'Retain' | 'Delete'; // default Retain
}

// ---------------------------------------------------------------- RestoreRequest

export interface RestoreRequestSpec extends ResourceSelection {
  backupName?: string;
  policy?: string;
  at?: string; // RFC3339
  cluster?: string;
  location?: string;
  namespaceMapping?: Record<string, string>;
  existingResourcePolicy?: 'none' | 'update';
  resourceModifier?: string;
  dryRun?: boolean;
  preRestoreBackup?: boolean; // default true
  restoreStatus?: boolean; // default false
  preserveNodePorts?: boolean; // default false
  namespaceTerminationTimeout?: string; // Go duration, default 3m
}

// ---------------------------------------------------------------- ResourceModifiers (Velero v1)

export interface ModifierJsonPatch {
  operation: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  from?: string;
  path: string;
  value?: string;
}

export interface ModifierMatch {
  path: string;
  value: string;
}

export interface ModifierConditions {
  groupResource: string;
  namespaces?: string[];
  resourceNameRegex?: string;
  labelSelector?: LabelSelector;
  matches?: ModifierMatch[];
}

export interface ModifierRule {
  conditions: ModifierConditions;
  patches?: ModifierJsonPatch[];
  mergePatches?: { patchData: string }[];
  strategicPatches?: { patchData: string }[];
}

export interface ResourceModifiersSpec {
  version: 'v1';
  resourceModifierRules: ModifierRule[];
}

// ---------------------------------------------------------------- objects

export interface CairnObject<K extends KindName, S> {
  apiVersion: typeof API_VERSION;
  kind: K;
  metadata: ObjectMeta;
  spec: S;
  source: SourceRef;
}

export type BackupLocation = CairnObject<'BackupLocation', BackupLocationSpec>;
export type Cluster = CairnObject<'Cluster', ClusterSpec>;
export type BackupPolicy = CairnObject<'BackupPolicy', BackupPolicySpec>;
export type RestoreRequest = CairnObject<'RestoreRequest', RestoreRequestSpec>;
export type ResourceModifiers = CairnObject<'ResourceModifiers', ResourceModifiersSpec>;
export type AnyObject = BackupLocation | Cluster | BackupPolicy | RestoreRequest | ResourceModifiers;

/** One validation problem, always pinned to a file position and a field path. */
export interface ValidationError {
  /** Stable machine code, e.g. "schema", "yaml.duplicate-key", "ref.location", "credential.inline". */
  code: string;
  file: string;
  line: number;
  col: number;
  /** Field path in dotted/bracket form, e.g. "spec.orLabelSelectors[0].matchLabels"; "" for the document. */
  path: string;
  message: string;
  kind?: KindName;
  name?: string;
}

/**
 * Everything loaded from one revision of the policy repository.
 * Objects with errors are left out of the kind lists; `frozen` names the objects
 * (kind + name, when the name could still be read) whose files failed, so the plan
 * can freeze their backups instead of treating them as deleted.
 */
export interface PolicyRepository {
  locations: BackupLocation[];
  clusters: Cluster[];
  policies: BackupPolicy[];
  restores: RestoreRequest[];
  modifiers: ResourceModifiers[];
  errors: ValidationError[];
  frozen: { kind?: KindName; name?: string; file: string }[];
  /** Repository-relative paths of every manifest file read (valid or not), sorted. */
  files?: string[];
  /** Number of objects (YAML documents that are not empty) found, valid or not. */
  objectCount?: number;
}
