// patchData of mergePatches / strategicPatches: YAML or JSON text (JSON is YAML), converted the
// way Velero does with sigs.k8s.io/yaml — YAML 1.1, so yes/no/on/off are booleans. It must
// describe an object: a null, scalar or list patch fails the rule in Velero too.
import { parse } from 'yaml';
import { ModifierError, type ModifierErrorCode } from './errors.ts';
import { normalizeExactNumbers } from '../exact-json.ts';

export type JsonObject = Record<string, unknown>;

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parsePatchData(text: unknown, where: string, code: ModifierErrorCode): JsonObject {
  if (typeof text !== 'string') throw new ModifierError(code, `${where}.patchData must be a string of YAML or JSON`);
  let data: unknown;
  try {
    // Integers as bigints, then the safe ones back to numbers: int64 values patch exactly (exact-json.ts).
    data = normalizeExactNumbers(parse(text, { version: '1.1', uniqueKeys: true, maxAliasCount: 100, intAsBigInt: true }));
  } catch (err) {
    throw new ModifierError(code, `${where}.patchData is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isPlainObject(data)) throw new ModifierError(code, `${where}.patchData must be an object (a mapping), got ${data === null ? 'nothing' : Array.isArray(data) ? 'a list' : typeof data}`);
  return data;
}
