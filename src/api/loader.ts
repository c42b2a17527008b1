// Loads a policy repository (DESIGN §2): every *.yaml / *.yml under the kind folders, each
// document validated and pinned to file:line:col. A broken file blocks only itself: its
// objects are left out and listed in `frozen`, so the planner freezes their backups instead of
// reading the file's absence as "delete".
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, extname, join, resolve, sep } from 'node:path';
import { isMap, type Document } from 'yaml';
import {
  API_VERSION,
  KIND_FOLDERS,
  type AnyObject,
  type BackupPolicy,
  type KindName,
  type PolicyRepository,
  type ValidationError,
} from './types.ts';
import { issue, RepositoryError, sortErrors } from './errors.ts';
import { readYamlFile, type ParsedDocument } from './yaml-source.ts';
import { toErrors, validateObject } from './document.ts';
import { detectModifiersForm, parseModifiersDocument } from './modifiers-file.ts';
import { checkReferences, isDefaultLocation, type Entry } from './references.ts';

const KINDS = Object.keys(KIND_FOLDERS) as KindName[];
const FOLDER_KIND = new Map(KINDS.map((k) => [KIND_FOLDERS[k], k] as const));

/** Whether `real` (a resolved path) is `root` or inside it. */
function inside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/**
 * Manifest files under a kind folder, and the symlinks refused. A symlink is followed only when it
 * resolves inside the repository: one pointing out of it (a kubeconfig, /etc, /proc) would put
 * that file's content into errors that are committed to Git. Symlinked directories inside the
 * repository are not walked (no loops); the kind folder itself may be a symlink within it.
 */
async function listManifests(root: string, realRoot: string, folder: string): Promise<{ files: string[]; refused: string[] }> {
  const out: string[] = [];
  const refused: string[] = [];
  const follows = async (rel: string): Promise<boolean> => {
    const real = await realpath(join(root, rel)).catch(() => undefined);
    if (real !== undefined && inside(realRoot, real)) return true;
    refused.push(rel);
    return false;
  };
  const walk = async (rel: string) => {
    let dirents;
    try {
      dirents = await readdir(join(root, rel), { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw e;
    }
    for (const d of dirents) {
      if (d.name.startsWith('.')) continue;
      const child = `${rel}/${d.name}`;
      if (d.isDirectory()) await walk(child);
      else if (/\.ya?ml$/i.test(d.name) && (d.isFile() || (d.isSymbolicLink() && (await follows(child)) && (await stat(join(root, child)).catch(() => undefined))?.isFile()))) {
        out.push(child);
      }
    }
  };
  const top = await lstat(join(root, folder)).catch(() => undefined);
  if (top?.isSymbolicLink() && !(await follows(folder))) return { files: out, refused };
  await walk(folder);
  return { files: out, refused };
}

/** kind and name of a document that could not be validated, for `frozen` (best effort). */
function readIdentity(node: Document, folderKind: KindName): { kind: KindName; name?: string } {
  try {
    const kind = node.get('kind');
    const name = node.getIn(['metadata', 'name']);
    const k = typeof kind === 'string' && (KINDS as string[]).includes(kind) ? (kind as KindName) : folderKind;
    return typeof name === 'string' ? { kind: k, name } : { kind: k };
  } catch {
    return { kind: folderKind };
  }
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Turns one parsed document into an Entry (validated, with its own errors). */
function readDocument(doc: ParsedDocument, file: string, folderKind: KindName): Entry {
  const base = { file, doc: doc.index, locator: doc.locator };
  const o = objectOf(doc.value);
  if (!o || !isMap(doc.node.contents)) {
    return { ...base, kind: folderKind, errors: toErrors([issue('document.shape', [], `a document must be a map with apiVersion, kind, metadata and spec (files under ${KIND_FOLDERS[folderKind]}/ hold kind: ${folderKind})`)], file, doc.locator) };
  }
  const stem = basename(file, extname(file));
  const form = folderKind === 'ResourceModifiers' ? detectModifiersForm(o) : undefined;
  if (form === 'ConfigMap' || form === 'velero') {
    const m = parseModifiersDocument(o, file, doc.locator, stem);
    const value = m.spec ? { apiVersion: API_VERSION, kind: 'ResourceModifiers', metadata: { name: m.name }, spec: m.spec } : undefined;
    return { ...base, kind: 'ResourceModifiers', name: m.name, value, errors: m.errors };
  }
  const kind = o.kind;
  const name = typeof objectOf(o.metadata)?.name === 'string' ? (objectOf(o.metadata)!.name as string) : undefined;
  if (typeof kind !== 'string' || !(KINDS as string[]).includes(kind)) {
    const message =
      kind === undefined
        ? `missing kind: files under ${KIND_FOLDERS[folderKind]}/ hold kind: ${folderKind}`
        : kind === 'ConfigMap'
          ? `a ConfigMap is accepted only under modifiers/ (wrapping resource modifiers); files under ${KIND_FOLDERS[folderKind]}/ hold kind: ${folderKind}`
          : `unknown kind ${JSON.stringify(kind)}: use one of ${KINDS.join(', ')} (files under ${KIND_FOLDERS[folderKind]}/ hold kind: ${folderKind})`;
    return { ...base, kind: folderKind, name, errors: toErrors([issue('document.kind', kind === undefined ? [] : ['kind'], message)], file, doc.locator, { kind: folderKind, name }) };
  }
  const k = kind as KindName;
  const errors: ValidationError[] = [];
  if (KIND_FOLDERS[k] !== KIND_FOLDERS[folderKind]) {
    errors.push(...toErrors([issue('document.folder', ['kind'], `a ${k} belongs under ${KIND_FOLDERS[k]}/, not ${KIND_FOLDERS[folderKind]}/: move the file`)], file, doc.locator, { kind: k, name }));
  }
  if (k === 'ResourceModifiers') {
    const m = parseModifiersDocument(o, file, doc.locator, stem);
    return { ...base, kind: k, name, value: o, errors: [...errors, ...m.errors] };
  }
  errors.push(...toErrors(validateObject(k, o), file, doc.locator, { kind: k, name }));
  return { ...base, kind: k, name, value: o, errors };
}

/**
 * Reads and validates the policy repository at `dir`. Never throws for invalid content (that
 * goes into `errors`); throws RepositoryError when `dir` is missing or unreadable.
 */
export async function loadRepository(dir: string): Promise<PolicyRepository> {
  const root = resolve(dir);
  const st = await stat(root).catch(() => undefined);
  if (!st) throw new RepositoryError('repository.not-found', `${dir}: no such directory`);
  if (!st.isDirectory()) throw new RepositoryError('repository.not-a-directory', `${dir}: not a directory`);

  const realRoot = await realpath(root);
  const refused = new Set<string>();
  const files: string[] = [];
  const fileErrors: ValidationError[] = [];
  const brokenFiles = new Set<string>();
  for (const folder of [...FOLDER_KIND.keys()].sort()) {
    const listed = await listManifests(root, realRoot, folder);
    files.push(...listed.files);
    for (const rel of listed.refused) {
      files.push(rel);
      refused.add(rel);
      brokenFiles.add(rel); // what it defined, if anything, stays frozen
      // Named by path only: the target is outside the repository and is never read or quoted.
      fileErrors.push(...toErrors([issue('file.symlink-outside', [], `${rel} is a symbolic link that points outside the policy repository; cairn reads only files inside the repository: replace the link with the file`)], rel, undefined));
    }
  }
  files.sort();

  const entries: Entry[] = [];
  let objectCount = 0;
  for (const file of files) {
    if (refused.has(file)) continue;
    const folderKind = FOLDER_KIND.get(file.split('/')[0])!;
    let parsed;
    try {
      parsed = await readYamlFile(join(root, file), file);
    } catch (e) {
      fileErrors.push(...toErrors([issue('file.unreadable', [], `cannot read the file: ${(e as Error).message}`)], file, undefined));
      brokenFiles.add(file);
      continue;
    }
    if (parsed.errors.length > 0) {
      fileErrors.push(...parsed.errors);
      brokenFiles.add(file);
    }
    objectCount += parsed.docs.length;
    for (const doc of parsed.docs) {
      if (doc.value === undefined) {
        // YAML errors: nothing to validate, but remember what it was, to freeze it.
        entries.push({ file, doc: doc.index, ...readIdentity(doc.node, folderKind), errors: [] });
        continue;
      }
      entries.push(readDocument(doc, file, folderKind));
    }
  }

  checkReferences(entries, brokenFiles);

  const failing = new Set([...brokenFiles, ...entries.filter((e) => e.errors.length > 0).map((e) => e.file)]);
  const repo: PolicyRepository = { locations: [], clusters: [], policies: [], restores: [], modifiers: [], errors: [], frozen: [], files, objectCount };
  const defaults = entries.filter((e) => isDefaultLocation(e) && !failing.has(e.file));
  for (const e of entries) {
    if (failing.has(e.file) || !e.value) continue;
    const pos = e.locator ? e.locator.locate([]) : { line: 1, col: 1 };
    const obj = { ...e.value, source: { file: e.file, line: pos.line, col: pos.col, doc: e.doc } } as unknown as AnyObject;
    switch (obj.kind) {
      case 'BackupLocation':
        repo.locations.push(obj);
        break;
      case 'Cluster':
        repo.clusters.push(obj);
        break;
      case 'BackupPolicy': {
        // Resolve the default location here, so no later stage has to know the rule.
        const p = obj as BackupPolicy;
        if (p.spec.location === undefined && defaults.length === 1) p.spec.location = defaults[0].name;
        repo.policies.push(p);
        break;
      }
      case 'RestoreRequest':
        repo.restores.push(obj);
        break;
      case 'ResourceModifiers':
        repo.modifiers.push(obj);
        break;
    }
  }

  const seen = new Set<string>();
  for (const file of files) {
    if (!failing.has(file)) continue;
    const mine = entries.filter((e) => e.file === file);
    const ids = mine.length === 0 || mine.some((e) => e.name === undefined) ? [{ file }] : [];
    for (const e of mine) if (e.name !== undefined) ids.push({ kind: e.kind, name: e.name, file } as { file: string });
    for (const id of ids) {
      const key = JSON.stringify(id);
      if (!seen.has(key)) repo.frozen.push(id);
      seen.add(key);
    }
  }
  repo.errors = sortErrors([...fileErrors, ...entries.flatMap((e) => e.errors)]);
  return repo;
}
