// `strategicPatches`: Kubernetes strategic merge patch, written by hand over the merge keys in
// strategic-schema.ts (Velero calls k8s.io/apimachinery's StrategicMergeMapPatch with the
// object's Go type). Semantics:
//   - maps merge key by key; null deletes a key;
//   - lists with a merge key merge element by element (matched on the key, new elements
//     appended in patch order); scalar set lists (finalizers) take the union; other lists are
//     replaced;
//   - directives: `$patch: replace` (a map, or a list when given as a list element of its own),
//     `$patch: delete` (a map, or a list element identified by its merge key), `$patch: merge`,
//     `$retainKeys` (keep only these keys of the map; the patch may set only these),
//     `$setElementOrder/<list>` (order of the merged list: listed elements first, in that order,
//     then the others in merged order — the apiserver interleaves unlisted ones instead),
//     `$deleteFromPrimitiveList/<list>` (remove scalars from a set list).
// Errors (a rule error on that item): an unknown `$patch` value, a merge-key list element
// without its key, `$patch: delete` of the whole object, malformed directive values.
import { ModifierError } from './errors.ts';
import { jsonEqual } from './json-pointer.ts';
import { isPlainObject, parsePatchData, type JsonObject } from './patch-data.ts';
import { schemaFor, type FieldSchema, type MapSchema } from './strategic-schema.ts';

const DELETE = Symbol('delete');
const ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

export interface CompiledStrategicPatch {
  apply(doc: JsonObject): JsonObject;
}

export function compileStrategicPatches(patches: { patchData: string }[], where: string): CompiledStrategicPatch {
  const data = patches.map((p, i) => parsePatchData(p?.patchData, `${where}.strategicPatches[${i}]`, 'modifiers.strategic-patch'));
  return {
    apply(doc) {
      const schema = schemaFor(doc.apiVersion, doc.kind);
      let out = doc;
      for (const patch of data) out = strategicMerge(out, patch, schema);
      return out;
    },
  };
}

export function strategicMerge(doc: JsonObject, patch: JsonObject, schema: MapSchema): JsonObject {
  const r = mergeMap(doc, patch, schema, '');
  if (r === DELETE) throw fail('', '$patch: delete at the top level would delete the whole object');
  return r;
}

function fail(path: string, message: string): ModifierError {
  return new ModifierError('modifiers.strategic-patch', `strategic merge patch${path ? ` at ${path}` : ''}: ${message}`);
}

function stringList(v: unknown, path: string, what: string): unknown[] {
  if (!Array.isArray(v)) throw fail(path, `${what} must be a list`);
  return v;
}

function mergeMap(orig: unknown, patch: JsonObject, schema: MapSchema, path: string): JsonObject | typeof DELETE {
  const directive = patch.$patch;
  if (directive === 'delete') return DELETE;
  if (directive === 'replace') {
    const { $patch: _, ...rest } = patch;
    return structuredClone(rest);
  }
  if (directive !== undefined && directive !== 'merge') throw fail(path, `unknown $patch directive ${JSON.stringify(directive)} (replace, delete or merge)`);

  const out: JsonObject = isPlainObject(orig) ? { ...orig } : {};
  let retain: Set<string> | undefined;
  if (patch.$retainKeys !== undefined) {
    const keys = stringList(patch.$retainKeys, path, '$retainKeys');
    if (!keys.every((k) => typeof k === 'string')) throw fail(path, '$retainKeys must list field names');
    retain = new Set(keys as string[]);
  }
  const orders: [string, unknown[]][] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith(ORDER)) orders.push([k.slice(ORDER.length), stringList(v, path, k)]);
    else if (k.startsWith(DELETE_FROM)) {
      const field = k.slice(DELETE_FROM.length);
      const drop = stringList(v, path, k);
      if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((x) => !drop.some((d) => jsonEqual(d, x)));
    }
  }

  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(ORDER) || k.startsWith(DELETE_FROM)) continue;
    const at = `${path}/${k}`;
    if (retain && !retain.has(k)) throw fail(path, `field ${k} is set by the patch but not listed in $retainKeys`);
    const field: FieldSchema | undefined = Object.hasOwn(schema, k) ? schema[k] : undefined;
    if (v === null) delete out[k];
    else if (isPlainObject(v)) {
      const r = mergeMap(out[k], v, field && 'map' in field ? field.map : {}, at);
      if (r === DELETE) delete out[k];
      else out[k] = r;
    } else if (Array.isArray(v)) {
      if (field && 'mergeKey' in field) out[k] = mergeKeyedList(out[k], v, field.mergeKey, field.item ?? {}, at);
      else if (field && 'set' in field) out[k] = unionList(out[k], v);
      else out[k] = structuredClone(v);
    } else out[k] = v;
  }

  for (const [field, order] of orders) {
    const f = Object.hasOwn(schema, field) ? schema[field] : undefined;
    out[field] = reorder(out[field], order, f && 'mergeKey' in f ? f.mergeKey : undefined);
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.has(k)) delete out[k];
  return out;
}

function mergeKeyedList(orig: unknown, patch: unknown[], key: string, item: MapSchema, path: string): unknown[] {
  const isReplace = (e: unknown) => isPlainObject(e) && e.$patch === 'replace' && Object.keys(e).length === 1;
  if (patch.some(isReplace)) {
    return patch.filter((e) => !isReplace(e)).map((e, i) => {
      if (!isPlainObject(e)) throw fail(`${path}/${i}`, `list elements must be objects merged by ${key}`);
      return mergeMap(undefined, e, item, `${path}/${i}`) as JsonObject;
    });
  }
  let out = Array.isArray(orig) ? orig.slice() : [];
  for (const [i, e] of patch.entries()) {
    const at = `${path}/${i}`;
    if (!isPlainObject(e)) throw fail(at, `list elements must be objects merged by ${key}`);
    if (!Object.hasOwn(e, key)) throw fail(at, `element does not contain the merge key ${key}`);
    const same = (o: unknown) => isPlainObject(o) && jsonEqual(o[key], e[key]);
    if (e.$patch === 'delete') {
      out = out.filter((o) => !same(o));
      continue;
    }
    const idx = out.findIndex(same);
    const merged = mergeMap(idx >= 0 ? out[idx] : undefined, e, item, at);
    if (merged === DELETE) continue; // unreachable: delete handled above
    if (idx >= 0) out[idx] = merged;
    else out.push(merged);
  }
  return out;
}

function unionList(orig: unknown, patch: unknown[]): unknown[] {
  const out = Array.isArray(orig) ? orig.slice() : [];
  for (const v of patch) if (!out.some((o) => jsonEqual(o, v))) out.push(structuredClone(v));
  return out;
}

function reorder(list: unknown, order: unknown[], key: string | undefined): unknown {
  if (!Array.isArray(list)) return list;
  const keyOf = (x: unknown) => (key === undefined ? x : isPlainObject(x) ? x[key] : undefined);
  const rest = list.slice();
  const placed: unknown[] = [];
  for (const o of order) {
    const idx = rest.findIndex((x) => jsonEqual(keyOf(x), keyOf(o)));
    if (idx >= 0) placed.push(...rest.splice(idx, 1));
  }
  return [...placed, ...rest];
}
