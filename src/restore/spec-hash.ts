// The spec hash a RestoreRequest's status records: a later edit of the request is detected by
// comparing hashes, and reported rather than re-run.
import { createHash } from 'node:crypto';

/** A copy with object keys sorted and undefined members dropped, so equal specs serialize equally. */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonicalize(v)));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonicalize(v);
    }
    return out;
  }
  return value;
}

/** sha256 (hex) of the canonical JSON of a restore spec. */
export function restoreSpecHash(spec: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonicalize(spec))).digest('hex');
}
