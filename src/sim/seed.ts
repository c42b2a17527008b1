// Seeds: YAML files (multi-document) under a directory, read in path order and applied
// CRDs first, then namespaces, then everything else, so every object finds what it needs.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../cluster/types.ts';

export class SeedError extends Error {
  readonly code = 'InvalidSeed';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'SeedError';
  }
}

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch((err: NodeJS.ErrnoException) => {
    throw new SeedError(dir, err.code === 'ENOENT' ? 'seed directory not found' : err.code === 'ENOTDIR' ? 'the seed must be a directory of YAML files' : err.message);
  });
  return entries
    .filter((e) => e.isFile() && /\.(ya?ml|json)$/i.test(e.name))
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

/** Reads every object under `dir`; `List` documents are flattened. Throws SeedError naming the file. */
export async function loadSeed(dir: string): Promise<KubeObject[]> {
  const objects: KubeObject[] = [];
  for (const file of await yamlFiles(dir)) {
    const name = relative(dir, file) || file;
    const docs = parseAllDocuments(await readFile(file, 'utf8'));
    for (const [i, doc] of docs.entries()) {
      if (doc.errors.length) {
        const e = doc.errors[0];
        const pos = e.linePos?.[0];
        throw new SeedError(pos ? `${name}:${pos.line}:${pos.col}` : name, e.message.split('\n')[0]);
      }
      const value = doc.toJS();
      if (value === null || value === undefined) continue;
      const items = value.kind?.endsWith?.('List') && Array.isArray(value.items) ? value.items : [value];
      for (const obj of items) {
        if (typeof obj?.apiVersion !== 'string' || typeof obj?.kind !== 'string' || typeof obj?.metadata?.name !== 'string') {
          throw new SeedError(name, `document ${i + 1} is not a Kubernetes object: apiVersion, kind and metadata.name are required`);
        }
        objects.push(obj as KubeObject);
      }
    }
  }
  return objects;
}

/** Seeding order: CRDs, namespaces, then the rest in file order. */
export function seedOrder(objects: KubeObject[]): KubeObject[] {
  const rank = (o: KubeObject): number => (o.kind === 'CustomResourceDefinition' ? 0 : o.kind === 'Namespace' ? 1 : 2);
  return objects
    .map((o, i) => ({ o, i }))
    .sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i)
    .map(({ o }) => o);
}
