// The two patch formats the simulator applies: JSON merge patch (RFC 7386) and JSON patch
// (RFC 6902, via fast-json-patch). Strategic merge and server-side apply need per-field schema
// knowledge the simulator does not have, so they are refused with 415 rather than approximated.
import jsonpatch from 'fast-json-patch';
import { ApiStatusError, errors } from './status.ts';
// The same RFC 7386 merge as resource modifiers: the apiserver and Velero both use
// evanphx/json-patch's MergePatch (apimachinery strategicpatch/patch.go), so one home serves both.
import { mergePatch } from '../modifiers/merge-patch.ts';

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

/** Applies `body` (already parsed JSON) to a copy of `current` per `contentType`. */
export function applyPatch(current: Record<string, unknown>, body: unknown, contentType: string, what: { kind: string; name: string }): Record<string, unknown> {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === MERGE_PATCH) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw errors.badRequest('a JSON merge patch must be a JSON object');
    }
    return mergePatch(structuredClone(current), body) as Record<string, unknown>;
  }
  if (type === JSON_PATCH) {
    if (!Array.isArray(body)) throw errors.badRequest('a JSON patch must be a JSON array of operations');
    try {
      return jsonpatch.applyPatch(structuredClone(current), body as jsonpatch.Operation[], true, true).newDocument;
    } catch (err) {
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new ApiStatusError(422, 'Invalid', `the JSON patch for ${what.kind} "${what.name}" cannot be applied: ${msg}`, { name: what.name, kind: what.kind });
    }
  }
  assertPatchType(type);
  throw errors.unsupportedMediaType(type, [JSON_PATCH, MERGE_PATCH]);
}

/** Throws 415 for patch formats the simulator does not apply, naming the ones it does. */
export function assertPatchType(contentType: string): void {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === MERGE_PATCH || type === JSON_PATCH) return;
  if (type === STRATEGIC || type === APPLY || type === 'application/apply-patch+cbor') {
    const format = type === STRATEGIC ? 'strategic merge patch' : 'server-side apply';
    throw new ApiStatusError(415, 'UnsupportedMediaType', `${format} (${type}) is not supported by the cairn Kubernetes simulator; send ${MERGE_PATCH} or ${JSON_PATCH} instead`);
  }
  throw errors.unsupportedMediaType(type || '(none)', [JSON_PATCH, MERGE_PATCH, STRATEGIC, APPLY]);
}
