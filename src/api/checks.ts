// Checks of one object beyond what its JSON Schema can say: schedules and durations parse,
// globs and regexes are well-formed, mutually exclusive fields, Velero's own modifier rules.
// Pure: data in, Issues out. Runs after the schema, so it only looks at well-typed fields.
import { parseDuration } from '../schedule/duration.ts';
import { parseSchedule } from '../schedule/expression.ts';
import type { KindName } from './types.ts';
import { issue, type Issue, type PathSegment } from './errors.ts';
import { inlineKubeconfigProblem } from './credentials.ts';
import { DNS_LABEL, checkGlobList, checkIncludeExclude, checkLabelSelector, globProblem, pointerProblem, regexProblem } from './patterns.ts';
import { patchDataProblem } from '../modifiers/patch-data.ts';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function has(o: Obj, k: string): boolean {
  return o[k] !== undefined && o[k] !== null;
}

function checkDuration(spec: Obj, field: string, out: Issue[], positive: boolean): void {
  const v = spec[field];
  if (typeof v !== 'string') return;
  try {
    const ms = parseDuration(v);
    if (positive && !(ms > 0)) out.push(issue('duration.invalid', ['spec', field], `must be a positive duration, got "${v}"`));
  } catch (e) {
    out.push(issue('duration.invalid', ['spec', field], (e as Error).message));
  }
}

/** The smallest gracePeriod accepted (the schema's description says why). */
export const MIN_GRACE_PERIOD_MS = 3_600_000;

function checkMinimum(spec: Obj, field: string, minMs: number, min: string, why: string, out: Issue[]): void {
  const v = spec[field];
  if (typeof v !== 'string') return;
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch {
    return; // reported by checkDuration
  }
  if (ms < minMs) out.push(issue('duration.too-short', ['spec', field], `spec.${field} must be at least ${min}, got "${v}": ${why}`));
}

/**
 * Directories a filesystem location must never be: the root and the system's own trees, where
 * retention's deletes could reach files that are not backups.
 */
const SYSTEM_DIRS = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/proc', '/root', '/run', '/sbin', '/sys', '/usr', '/var'];
/** Trees no location may be inside at any depth (kernel and device file systems). */
const SYSTEM_TREES = ['/dev', '/proc', '/sys'];

function filesystemPathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return undefined; // relative: under cairn's data directory
  const norm = `/${path.split('/').filter((s) => s !== '' && s !== '.').join('/')}`;
  if (path.split('/').includes('..')) return 'must not contain ".." segments: write the directory as it is';
  if (norm === '/') return 'is the file system root: give a directory of its own, such as /mnt/nfs/backups';
  if (SYSTEM_DIRS.includes(norm) || SYSTEM_TREES.some((t) => norm.startsWith(`${t}/`))) {
    return `is a system directory (${norm}): give a directory of its own, such as /mnt/nfs/backups or /var/backups/cairn`;
  }
  return undefined;
}

function checkSelection(spec: Obj, out: Issue[]): void {
  // Velero's list rules (ValidateNamespaceIncludesExcludes, ValidateIncludesExcludes).
  out.push(...checkIncludeExclude('namespaces', spec, ['spec'], { included: 'includedNamespaces', excluded: 'excludedNamespaces' }));
  out.push(...checkIncludeExclude('resources', spec, ['spec'], { included: 'includedResources', excluded: 'excludedResources' }));
  out.push(...checkLabelSelector(spec.labelSelector, ['spec', 'labelSelector']));
  if (Array.isArray(spec.orLabelSelectors)) {
    spec.orLabelSelectors.forEach((s, i) => out.push(...checkLabelSelector(s, ['spec', 'orLabelSelectors', i])));
  }
  if (has(spec, 'labelSelector') && has(spec, 'orLabelSelectors')) {
    out.push(issue('selector.exclusive', ['spec', 'orLabelSelectors'], 'labelSelector and orLabelSelectors cannot both be set: keep one (put the labelSelector into the orLabelSelectors list if you need both)'));
  }
}

function checkLocation(spec: Obj, out: Issue[]): void {
  const provider = spec.provider;
  if (provider === 's3' || provider === 'filesystem') {
    const other = provider === 's3' ? 'filesystem' : 's3';
    if (!has(spec, provider)) out.push(issue('location.provider', ['spec', provider], `provider is ${provider}: set spec.${provider}`));
    if (has(spec, other)) out.push(issue('location.provider', ['spec', other], `provider is ${provider}: remove spec.${other} (or change provider)`, 'key'));
  }
  const fsPath = obj(spec.filesystem)?.path;
  const fsProblem = typeof fsPath === 'string' ? filesystemPathProblem(fsPath) : undefined;
  if (fsProblem) out.push(issue('location.path', ['spec', 'filesystem', 'path'], `spec.filesystem.path ${JSON.stringify(fsPath)} ${fsProblem}`));
  const creds = obj(obj(spec.s3)?.credentials);
  if (creds && has(creds, 'accessKeyIdFromEnv') !== has(creds, 'secretAccessKeyFromEnv')) {
    const missing = has(creds, 'accessKeyIdFromEnv') ? 'secretAccessKeyFromEnv' : 'accessKeyIdFromEnv';
    out.push(issue('location.credentials', ['spec', 's3', 'credentials', missing], 'set accessKeyIdFromEnv and secretAccessKeyFromEnv together'));
  }
  const enc = obj(spec.encryption);
  if (enc) {
    const n = ['passphraseFromEnv', 'keyFile'].filter((k) => has(enc, k)).length;
    if (n !== 1) out.push(issue('location.encryption', ['spec', 'encryption'], 'set exactly one of passphraseFromEnv or keyFile'));
  }
}

function checkCluster(spec: Obj, out: Issue[]): void {
  const sources = ['kubeconfig', 'kubeconfigFromEnv', 'inCluster'].filter((k) => (k === 'inCluster' ? spec.inCluster === true : has(spec, k)));
  if (sources.length > 1) {
    out.push(issue('cluster.source', ['spec', sources[1]], `set only one of kubeconfig, kubeconfigFromEnv, inCluster (found ${sources.join(' and ')})`));
  }
  const inline = inlineKubeconfigProblem(spec.kubeconfig);
  if (inline) out.push(issue('credential.inline', ['spec', 'kubeconfig'], inline));
  checkEtcd(spec, out);
}

/** Fields of a policy that choose API objects: meaningless for an etcd snapshot. */
export const SELECTION_FIELDS = ['includedNamespaces', 'excludedNamespaces', 'includedResources', 'excludedResources', 'includeClusterResources', 'labelSelector', 'orLabelSelectors'] as const;

function checkEtcd(spec: Obj, out: Issue[]): void {
  const tls = obj(obj(spec.etcd)?.tls);
  if (!tls) return;
  for (const f of ['caFile', 'certFile', 'keyFile']) {
    if (has(tls, f) && has(tls, `${f}FromEnv`)) out.push(issue('cluster.etcd.tls', ['spec', 'etcd', 'tls', `${f}FromEnv`], `set ${f} or ${f}FromEnv, not both`, 'key'));
  }
  const cert = has(tls, 'certFile') || has(tls, 'certFileFromEnv');
  const key = has(tls, 'keyFile') || has(tls, 'keyFileFromEnv');
  if (cert !== key) {
    out.push(issue('cluster.etcd.tls', ['spec', 'etcd', 'tls'], cert ? 'certFile is set without keyFile: client-certificate auth needs both' : 'keyFile is set without certFile: client-certificate auth needs both'));
  }
  const endpoints = obj(spec.etcd)?.endpoints;
  if (Array.isArray(endpoints) && (has(tls, 'caFile') || has(tls, 'caFileFromEnv') || cert)) {
    endpoints.forEach((e, i) => {
      if (typeof e === 'string' && e.startsWith('http://')) out.push(issue('cluster.etcd.tls', ['spec', 'etcd', 'endpoints', i], `${e} is plain http but spec.etcd.tls is set: use https://`));
    });
  }
}

/**
 * Checks of what the author wrote, before the schema fills in defaults (an etcd policy must not
 * name selection fields, but the schema defaults two of them).
 */
export function checkAsWritten(kind: KindName, value: unknown): Issue[] {
  const spec = obj(obj(value)?.spec);
  if (kind !== 'BackupPolicy' || !spec || spec.type !== 'etcd') return [];
  return SELECTION_FIELDS.filter((f) => f in spec).map((f) =>
    issue('policy.etcd-selection', ['spec', f], `a policy of type etcd snapshots the whole etcd database: remove ${f} (selection fields apply to type resources only)`, 'key'),
  );
}

function checkPolicy(spec: Obj, out: Issue[]): void {
  if (typeof spec.schedule === 'string') {
    try {
      parseSchedule(spec.schedule);
    } catch (e) {
      out.push(issue('schedule.invalid', ['spec', 'schedule'], (e as Error).message));
    }
  }
  checkDuration(spec, 'ttl', out, true);
  checkDuration(spec, 'gracePeriod', out, false);
  checkMinimum(spec, 'gracePeriod', MIN_GRACE_PERIOD_MS, '1h', 'the grace period is the window in which a human can notice and revert a retention change made by mistake; a shorter one makes deletion effectively immediate', out);
  checkDuration(spec, 'failedBackupTTL', out, true);
  if (spec.type !== 'etcd') checkSelection(spec, out);
}

function checkRestore(spec: Obj, out: Issue[]): void {
  const byName = has(spec, 'backupName');
  const byPolicy = has(spec, 'policy');
  if (byName && byPolicy) out.push(issue('restore.source', ['spec', 'policy'], 'set either backupName or policy, not both'));
  if (!byName && !byPolicy) out.push(issue('restore.source', ['spec'], 'set backupName (a backup) or policy (its latest Completed backup)'));
  if (has(spec, 'at') && !byPolicy) out.push(issue('restore.at', ['spec', 'at'], '"at" picks a backup of a policy: set spec.policy, or drop "at" and name the backup'));
  const mapping = obj(spec.namespaceMapping);
  if (mapping) {
    for (const [from, to] of Object.entries(mapping)) {
      if (!DNS_LABEL.test(from) || from.length > 63) out.push(issue('restore.namespace-mapping', ['spec', 'namespaceMapping', from], `"${from}" is not a namespace name (a DNS-1123 label)`, 'key'));
      if (typeof to === 'string' && (!DNS_LABEL.test(to) || to.length > 63)) out.push(issue('restore.namespace-mapping', ['spec', 'namespaceMapping', from], `"${to}" is not a namespace name (a DNS-1123 label)`));
    }
  }
  checkSelection(spec, out);
}

/** Velero's validation of `version: v1` modifiers, and the syntax of what the rules contain. */
export function checkVeleroModifiers(spec: unknown, base: PathSegment[]): Issue[] {
  const out: Issue[] = [];
  const rules = obj(spec)?.resourceModifierRules;
  if (!Array.isArray(rules)) return out;
  rules.forEach((r, i) => {
    const rule = obj(r);
    if (!rule) return;
    const at = [...base, 'resourceModifierRules', i];
    const cond = obj(rule.conditions);
    if (cond) {
      if (typeof cond.groupResource === 'string' && cond.groupResource !== '') {
        const g = globProblem(cond.groupResource);
        if (g) out.push(issue('glob.invalid', [...at, 'conditions', 'groupResource'], g));
      }
      out.push(...checkGlobList(cond.namespaces, [...at, 'conditions', 'namespaces']));
      if (typeof cond.resourceNameRegex === 'string') {
        const p = regexProblem(cond.resourceNameRegex);
        if (p) out.push(issue('regex.invalid', [...at, 'conditions', 'resourceNameRegex'], p));
      }
      out.push(...checkLabelSelector(cond.labelSelector, [...at, 'conditions', 'labelSelector']));
      if (Array.isArray(cond.matches)) {
        cond.matches.forEach((m, j) => {
          const path = obj(m)?.path;
          const p = typeof path === 'string' && path !== '' ? pointerProblem(path) : undefined;
          if (p) out.push(issue('modifiers.pointer', [...at, 'conditions', 'matches', j, 'path'], p));
        });
      }
    }
    // A rule with conditions and no patches is accepted, as Velero's Validate accepts it; an item
    // it matches fails at restore with "no patch data found", as in Velero (modifiers/apply.ts).
    const kinds = (['patches', 'mergePatches', 'strategicPatches'] as const).filter((k) => Array.isArray(rule[k]) && (rule[k] as unknown[]).length > 0);
    if (kinds.length > 1) out.push(issue('modifiers.patches', [...at, kinds[1]], `only one of patches, mergePatches, strategicPatches can be specified (found ${kinds.join(' and ')})`, 'key'));
    if (Array.isArray(rule.patches)) {
      rule.patches.forEach((p, j) => {
        const patch = obj(p);
        if (!patch) return;
        const pat = [...at, 'patches', j];
        if (typeof patch.path === 'string') {
          const problem = pointerProblem(patch.path);
          if (problem) out.push(issue('modifiers.pointer', [...pat, 'path'], problem));
        }
        if (patch.operation === 'move' || patch.operation === 'copy') {
          if (typeof patch.from !== 'string') out.push(issue('modifiers.from', pat, `operation ${patch.operation} needs "from" (the JSON pointer to ${patch.operation} from)`));
          else {
            const problem = pointerProblem(patch.from);
            if (problem) out.push(issue('modifiers.pointer', [...pat, 'from'], problem));
          }
        }
        if (patch.operation === 'test' && patch.value === undefined) out.push(issue('modifiers.value', pat, 'operation test needs "value" (what the path must hold)'));
      });
    }
    for (const k of ['mergePatches', 'strategicPatches'] as const) {
      if (!Array.isArray(rule[k])) continue;
      (rule[k] as unknown[]).forEach((p, j) => {
        const data = obj(p)?.patchData;
        if (typeof data !== 'string') return;
        const problem = patchDataProblem(data);
        if (problem) out.push(issue('modifiers.patch-data', [...at, k, j, 'patchData'], `${problem.message}${problem.line && data.includes('\n') ? ` (line ${problem.line} of patchData)` : ''}`));
      });
    }
  });
  return out;
}

/** Object-level checks of a schema-validated object of `kind`. */
export function checkObject(kind: KindName, value: unknown): Issue[] {
  const spec = obj(obj(value)?.spec);
  if (!spec) return [];
  const out: Issue[] = [];
  switch (kind) {
    case 'BackupLocation':
      checkLocation(spec, out);
      break;
    case 'Cluster':
      checkCluster(spec, out);
      break;
    case 'BackupPolicy':
      checkPolicy(spec, out);
      break;
    case 'RestoreRequest':
      checkRestore(spec, out);
      break;
    case 'ResourceModifiers':
      out.push(...checkVeleroModifiers(spec, ['spec']));
      break;
  }
  return out;
}
