// `mergePatches`: RFC 7386 JSON merge patch, as github.com/evanphx/json-patch's MergePatch
// implements it for Velero (internal/resourcemodifiers/json_merge_patch.go): objects merge
// key by key, null deletes a key, anything else (lists included) replaces. A value put where
// there was no object has its nested nulls pruned. Patches of a rule apply in order; inputs
// are never mutated and patch data is copied, so compiled patches can be shared across items.
import { isPlainObject, parsePatchData, type JsonObject } from './patch-data.ts';

export interface CompiledMergePatch {
  apply(doc: unknown): unknown;
}

export function compileMergePatches(patches: { patchData: string }[], where: string): CompiledMergePatch {
  const data = patches.map((p, i) => parsePatchData(p?.patchData, `${where}.mergePatches[${i}]`, 'modifiers.merge-patch'));
  return {
    apply(doc) {
      let out = doc;
      for (const patch of data) out = mergePatch(out, patch);
      return out;
    },
  };
}

/** RFC 7386 merge of `patch` into `target`; returns a new value. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return pruneNulls(patch);
  if (!isPlainObject(target)) return pruneNulls(patch);
  const out: JsonObject = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (!Object.hasOwn(out, k) || out[k] === null) out[k] = pruneNulls(v);
    else out[k] = isPlainObject(out[k]) && isPlainObject(v) ? mergePatch(out[k], v) : isPlainObject(out[k]) ? structuredClone(v) : pruneNulls(v);
  }
  return out;
}

/** A deep copy without null-valued object keys (null list elements stay, as in json-patch). */
export function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pruneNulls);
  if (isPlainObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = pruneNulls(x);
    return out;
  }
  return v;
}
