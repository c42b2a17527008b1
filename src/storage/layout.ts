// The one place that knows object keys (DESIGN §3). Every other module asks here;
// no path strings are assembled elsewhere. Keys are relative to the location's prefix.

// 2: in an encrypted location the index and the log are encrypted too, and the manifest is MACed.
export const FORMAT_VERSION = 2;

export const ARTIFACTS = {
  resources: 'resources.tar.gz',
  resourcesEncrypted: 'resources.tar.gz.enc',
  etcd: 'etcd.db.gz',
  etcdEncrypted: 'etcd.db.gz.enc',
  index: 'index.json.gz',
  indexEncrypted: 'index.json.gz.enc',
  log: 'log.jsonl.gz',
  logEncrypted: 'log.jsonl.gz.enc',
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
  index: (name: string, encrypted = false) => `${BACKUPS_DIR}${name}/${encrypted ? ARTIFACTS.indexEncrypted : ARTIFACTS.index}`,
  log: (name: string, encrypted = false) => `${BACKUPS_DIR}${name}/${encrypted ? ARTIFACTS.logEncrypted : ARTIFACTS.log}`,
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

/**
 * Why an archive entry must not be read as an item, or undefined when it is a plain item file.
 * cairn's archives hold only regular files at item paths: a symlink or hardlink, a name that
 * climbs out (`..`), is absolute, or has empty or `.` segments is hostile or corrupt.
 */
export function archiveEntryProblem(type: string | null | undefined, name: string): string | undefined {
  if (type !== 'file') return `${JSON.stringify(name)} is a ${type ?? 'unknown'} entry; a backup archive holds only regular files`;
  if (name.startsWith('/') || name.includes('\\') || name.includes('\0')) return `${JSON.stringify(name)} is not a relative item path`;
  if (name.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) return `${JSON.stringify(name)} has an empty, "." or ".." path segment`;
  if (!parseItemPath(name)) return `${JSON.stringify(name)} is not an item path (resources/<resource>/namespaces/<ns>/<name>.json or resources/<resource>/cluster/<name>.json)`;
  return undefined;
}
