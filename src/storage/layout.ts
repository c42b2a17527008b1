// The one place that knows object keys (DESIGN §3). Every other module asks here;
// no path strings are assembled elsewhere. Keys are relative to the location's prefix.

export const FORMAT_VERSION = 1;

export const ARTIFACTS = {
  resources: 'resources.tar.gz',
  resourcesEncrypted: 'resources.tar.gz.enc',
  etcd: 'etcd.db.gz',
  etcdEncrypted: 'etcd.db.gz.enc',
  index: 'index.json.gz',
  log: 'log.jsonl.gz',
  manifest: 'manifest.json',
  expiry: 'expiry.json',
} as const;

export const BACKUPS_DIR = 'backups/';
export const RESTORES_DIR = 'restores/';
export const LOCKS_DIR = 'locks/';

/** The location marker at the root (storage/marker.ts). */
export const MARKER_KEY = 'cairn-location.json';

export const layout = {
  marker: () => MARKER_KEY,
  backupDir: (name: string) => `${BACKUPS_DIR}${name}/`,
  resources: (name: string, encrypted: boolean) =>
    `${BACKUPS_DIR}${name}/${encrypted ? ARTIFACTS.resourcesEncrypted : ARTIFACTS.resources}`,
  etcd: (name: string, encrypted: boolean) => `${BACKUPS_DIR}${name}/${encrypted ? ARTIFACTS.etcdEncrypted : ARTIFACTS.etcd}`,
  index: (name: string) => `${BACKUPS_DIR}${name}/${ARTIFACTS.index}`,
  log: (name: string) => `${BACKUPS_DIR}${name}/${ARTIFACTS.log}`,
  manifest: (name: string) => `${BACKUPS_DIR}${name}/${ARTIFACTS.manifest}`,
  expiry: (name: string) => `${BACKUPS_DIR}${name}/${ARTIFACTS.expiry}`,
  restoreResult: (name: string) => `${RESTORES_DIR}${name}/result.json.gz`,
  lock: (policy: string) => `${LOCKS_DIR}${policy}.json`,
  /** Splits "backups/<name>/<file>" into its parts; undefined for keys outside backups/. */
  parseBackupKey(key: string): { backup: string; file: string } | undefined {
    if (!key.startsWith(BACKUPS_DIR)) return undefined;
    const rest = key.slice(BACKUPS_DIR.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) return undefined;
    return { backup: rest.slice(0, slash), file: rest.slice(slash + 1) };
  },
};

/**
 * Path of one item inside resources.tar.gz, Velero's layout:
 * resources/<resource[.group]>/namespaces/<ns>/<name>.json or resources/<resource[.group]>/cluster/<name>.json
 */
export function itemPath(groupResource: string, namespace: string | undefined, name: string): string {
  return namespace
    ? `resources/${groupResource}/namespaces/${namespace}/${name}.json`
    : `resources/${groupResource}/cluster/${name}.json`;
}

/** Inverse of itemPath; undefined when the path is not an item. */
export function parseItemPath(path: string): { groupResource: string; namespace?: string; name: string } | undefined {
  const m = /^resources\/([^/]+)\/(?:namespaces\/([^/]+)|cluster)\/(.+)\.json$/.exec(path);
  if (!m) return undefined;
  return { groupResource: m[1], namespace: m[2], name: m[3] };
}
