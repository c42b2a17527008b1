// The simulator's object store: one table per group-resource, objects keyed "namespace/name"
// (cluster-scoped: "name"). Keys are kept sorted lazily — the sorted array is rebuilt only after
// a create or delete — so paging through 10,000 objects never re-sorts per page.
import type { KubeObject } from '../cluster/types.ts';

export type StoredObject = KubeObject & { metadata: KubeObject['metadata'] & { resourceVersion: string; uid: string } };

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** First index in `keys` whose value is >= `probe` (keys sorted by code unit order). */
export function lowerBound(keys: readonly string[], probe: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < probe) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class ResourceTable {
  private readonly objects = new Map<string, StoredObject>();
  private sorted: string[] | null = [];

  get size(): number {
    return this.objects.size;
  }

  get(key: string): StoredObject | undefined {
    return this.objects.get(key);
  }

  /** Stores `obj`; a new key invalidates the sorted index, a replacement keeps it. */
  put(key: string, obj: StoredObject): void {
    if (!this.objects.has(key)) this.sorted = null;
    this.objects.set(key, obj);
  }

  delete(key: string): StoredObject | undefined {
    const obj = this.objects.get(key);
    if (obj) {
      this.objects.delete(key);
      this.sorted = null;
    }
    return obj;
  }

  /** All keys in stable sorted order. */
  keys(): readonly string[] {
    if (!this.sorted) this.sorted = [...this.objects.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.sorted;
  }

  /** The [start, end) range of sorted keys in one namespace ("ns/" up to "ns0"; '0' follows '/'). */
  namespaceRange(namespace: string): [number, number] {
    const keys = this.keys();
    return [lowerBound(keys, `${namespace}/`), lowerBound(keys, `${namespace}0`)];
  }

  /** Removes every object of one namespace; returns how many. */
  deleteNamespace(namespace: string): number {
    const [start, end] = this.namespaceRange(namespace);
    const doomed = this.keys().slice(start, end);
    for (const key of doomed) this.objects.delete(key);
    if (doomed.length) this.sorted = null;
    return doomed.length;
  }

  clear(): void {
    this.objects.clear();
    this.sorted = [];
  }
}

export class ObjectStore {
  private readonly tables = new Map<string, ResourceTable>();
  private revision = 1000;

  /** The global resourceVersion counter, like etcd's revision: every write takes the next one. */
  nextResourceVersion(): string {
    this.revision += 1;
    return String(this.revision);
  }

  get currentResourceVersion(): string {
    return String(this.revision);
  }

  table(groupResource: string): ResourceTable {
    let t = this.tables.get(groupResource);
    if (!t) {
      t = new ResourceTable();
      this.tables.set(groupResource, t);
    }
    return t;
  }

  dropTable(groupResource: string): void {
    this.tables.delete(groupResource);
  }

  allTables(): IterableIterator<[string, ResourceTable]> {
    return this.tables.entries();
  }
}
