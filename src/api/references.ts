// Checks across objects: names unique per kind, at most one default location, references
// resolve (policy → location, cluster; restore → cluster, modifiers, policy, location), and an
// object that depends on a broken one is itself held back (so its backups stay frozen rather
// than being acted on with half a configuration).
import type { KindName, ValidationError } from './types.ts';
import { formatPath, issue, validationError, type Issue, type PathSegment } from './errors.ts';
import type { Locator } from './locate.ts';
import { chooseLocation } from './location-choice.ts';

/** One object of the repository as the loader saw it, valid or not. */
export interface Entry {
  kind: KindName;
  name?: string;
  file: string;
  doc: number;
  locator?: Locator;
  /** The object (schema defaults applied) when its document could be read. */
  value?: Record<string, unknown>;
  errors: ValidationError[];
}

interface Ref {
  field: string;
  kind: KindName;
  noun: string;
}

const REFS: Partial<Record<KindName, Ref[]>> = {
  BackupPolicy: [
    { field: 'location', kind: 'BackupLocation', noun: 'location' },
    { field: 'cluster', kind: 'Cluster', noun: 'cluster' },
  ],
  RestoreRequest: [
    { field: 'cluster', kind: 'Cluster', noun: 'cluster' },
    { field: 'resourceModifier', kind: 'ResourceModifiers', noun: 'resource modifiers' },
    { field: 'policy', kind: 'BackupPolicy', noun: 'policy' },
    { field: 'location', kind: 'BackupLocation', noun: 'location' },
  ],
};

function spec(e: Entry): Record<string, unknown> | undefined {
  const s = e.value?.spec;
  return s && typeof s === 'object' && !Array.isArray(s) ? (s as Record<string, unknown>) : undefined;
}

function report(e: Entry, i: Issue): void {
  const pos = e.locator ? e.locator.locate(i.path, i.at) : { line: 1, col: 1 };
  e.errors.push(validationError(e.file, pos, i.code, formatPath(i.path), i.message, { kind: e.kind, name: e.name }));
}

function where(e: Entry, path: PathSegment[]): string {
  const p = e.locator ? e.locator.locate(path) : { line: 1, col: 1 };
  return `${e.file}:${p.line}:${p.col}`;
}

/**
 * A policy of type etcd needs a Cluster with spec.etcd; a resources policy needs a Cluster that
 * says how to reach its API server when it only describes its etcd.
 */
function checkPolicyCluster(e: Entry, s: Record<string, unknown>, lookup: (kind: KindName, name: string) => Entry[]): void {
  const name = s.cluster;
  if (s.type === 'etcd' && typeof name !== 'string') {
    report(e, issue('policy.etcd-cluster', ['spec', 'type'], 'a policy of type etcd needs spec.cluster: the name of a Cluster with spec.etcd (its members\' endpoints)'));
    return;
  }
  if (typeof name !== 'string') return;
  const targets = lookup('Cluster', name).map(spec).filter((t): t is Record<string, unknown> => t !== undefined);
  if (targets.length !== 1) return; // unknown or duplicate: reported elsewhere
  const t = targets[0];
  if (s.type === 'etcd' && t.etcd === undefined) {
    report(e, issue('policy.etcd-cluster', ['spec', 'cluster'], `a policy of type etcd needs its Cluster to describe its etcd: Cluster "${name}" has no spec.etcd (endpoints, tls)`));
  }
  const apiServer = t.kubeconfig !== undefined || t.kubeconfigFromEnv !== undefined || t.inCluster === true;
  if (s.type !== 'etcd' && t.etcd !== undefined && !apiServer) {
    report(e, issue('policy.cluster-api', ['spec', 'cluster'], `Cluster "${name}" describes only its etcd: a policy of type resources needs its API server (kubeconfig, kubeconfigFromEnv or inCluster), or set type: etcd`));
  }
}

export function isDefaultLocation(e: Entry): boolean {
  return e.kind === 'BackupLocation' && spec(e)?.default === true;
}

/** Adds the cross-object errors to the entries. Entries are in file order. */
export function checkReferences(entries: Entry[], brokenFiles: ReadonlySet<string> = new Set()): void {
  const byKind = new Map<string, Entry[]>();
  for (const e of entries) {
    if (e.name === undefined) continue;
    const key = `${e.kind}/${e.name}`;
    byKind.set(key, [...(byKind.get(key) ?? []), e]);
  }

  for (const group of byKind.values()) {
    if (group.length < 2) continue;
    for (const e of group) {
      const others = group.filter((o) => o !== e).map((o) => where(o, ['metadata', 'name']));
      report(e, issue('name.duplicate', ['metadata', 'name'], `duplicate ${e.kind} name "${e.name}" (also defined at ${others.join(', ')}): names must be unique per kind`));
    }
  }

  const defaults = entries.filter(isDefaultLocation);
  if (defaults.length > 1) {
    for (const e of defaults) {
      const others = defaults.filter((o) => o !== e).map((o) => `"${o.name}" (${where(o, ['spec', 'default'])})`);
      report(e, issue('location.default', ['spec', 'default'], `only one BackupLocation may set default: true; so does ${others.join(', ')}`));
    }
  }

  const locations = entries.filter((e) => e.kind === 'BackupLocation').map((e) => ({ name: e.name, isDefault: isDefaultLocation(e), e }));
  const lookup = (kind: KindName, name: string) => byKind.get(`${kind}/${name}`) ?? [];
  const known = (kind: KindName) => [...new Set(entries.filter((e) => e.kind === kind && e.name).map((e) => e.name!))].sort();

  // References that do not resolve at all.
  for (const e of entries) {
    const s = spec(e);
    if (!s) continue;
    for (const ref of REFS[e.kind] ?? []) {
      const target = s[ref.field];
      if (typeof target !== 'string' || lookup(ref.kind, target).length > 0) continue;
      const names = known(ref.kind);
      report(e, issue(`ref.${ref.field}`, ['spec', ref.field], `unknown ${ref.noun} "${target}": no ${ref.kind} has this name (${names.length ? `known: ${names.join(', ')}` : `there is no ${ref.kind} yet`})`));
    }
    if (e.kind === 'BackupPolicy') checkPolicyCluster(e, s, lookup);
    if (e.kind === 'BackupPolicy' && s.location === undefined) {
      const choice = chooseLocation(locations, undefined);
      if (!choice.ok) {
        const todo = choice.code === 'location.none' ? 'set spec.location, or mark one BackupLocation with spec.default: true' : 'set spec.location';
        report(e, issue('ref.location', ['spec'], `${choice.message}: ${todo}`));
      }
    }
  }

  // References to objects whose files failed: hold the referrer back too, until a fixpoint.
  const failing = new Set([...brokenFiles, ...entries.filter((e) => e.errors.length > 0).map((e) => e.file)]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const e of entries) {
      const s = spec(e);
      if (!s || failing.has(e.file)) continue;
      const broken: Issue[] = [];
      for (const ref of REFS[e.kind] ?? []) {
        const target = s[ref.field];
        if (typeof target !== 'string') continue;
        const found = lookup(ref.kind, target);
        if (found.length > 0 && found.every((t) => failing.has(t.file))) {
          broken.push(issue('ref.invalid', ['spec', ref.field], `${ref.noun} "${target}" has errors (${found.map((t) => t.file).join(', ')}): this ${e.kind} is held back until they are fixed`));
        }
      }
      const implicit = e.kind === 'BackupPolicy' && s.location === undefined ? chooseLocation(locations, undefined) : undefined;
      if (implicit?.ok && failing.has(implicit.location.e.file)) {
        const l = implicit.location.e;
        broken.push(issue('ref.invalid', ['spec'], `the default location "${l.name}" has errors (${l.file}): this BackupPolicy is held back until they are fixed`));
      }
      if (broken.length === 0) continue;
      broken.forEach((i) => report(e, i));
      failing.add(e.file);
      changed = true;
    }
  }
}
