// JSON that keeps every number as the API server sent it. Kubernetes integers are int64
// (up to 9223372036854775807); JSON.parse reads them as IEEE doubles, so anything beyond
// 2^53 comes back changed (9007199254740993 → 9007199254740992) and is then written back
// changed. Here an integer beyond Number.MAX_SAFE_INTEGER is read as a bigint, written back with
// the same digits; every other number stays a JS number. Non-integers are float64 on the server
// too (Go's encoding/json prints the shortest text that reads back as the same double, as JS
// does), so a JS number carries them exactly.
//
// One representation per value (bigint iff an integer beyond the safe range) keeps equality
// plain: `===` compares two bigints by value, and a bigint never equals a number because the
// same value is never a number elsewhere.
//
// The lossless parser (lossless-json) is several times slower than JSON.parse, and it builds
// each string a character at a time, which V8 keeps as a chain of one-character pieces (~2 KB
// for a 64-character hash) until something flattens it. So it runs only on text where a number
// of 16 digits or more may start: an integer with fewer digits is below 2^53 (9007199254740992
// has 16), and JSON.parse reads it exactly. A number token starts the text or follows ":", ","
// or "[" (and whitespace); a run of digits inside a string (a git revision, a sha256, a name)
// does not follow one of those, except by chance in free text, which only costs the slow path.
// Pure.
import { parse as losslessParse, stringify as losslessStringify, isInteger } from 'lossless-json';

const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const LONG_NUMBER = /(?:^|[:,[])[\t\n\r ]*-?\d{16}/;

function parseNumber(text: string): number | bigint {
  if (isInteger(text)) {
    const big = BigInt(text);
    if (big > MAX || big < -MAX) return big;
  }
  return Number(text);
}

/** JSON.parse, with integers beyond 2^53 as bigints. Throws SyntaxError-like errors as JSON.parse does. */
export function parseExact(text: string): unknown {
  if (!LONG_NUMBER.test(text)) return JSON.parse(text);
  return losslessParse(text, null, parseNumber);
}

/** JSON.stringify that writes bigints as JSON integers (JSON.stringify throws on them). */
export function stringifyExact(value: unknown, space?: number): string {
  try {
    return JSON.stringify(value, null, space);
  } catch (err) {
    if (!(err instanceof TypeError) || !/BigInt/i.test(err.message)) throw err;
    return losslessStringify(value, null, space) as string;
  }
}

/**
 * bigints within the safe range become numbers, recursively (in place for containers): for
 * values read by a parser that gives every integer as a bigint (yaml's intAsBigInt), so they
 * follow the one-representation rule above.
 */
export function normalizeExactNumbers<T>(value: T): T {
  if (typeof value === 'bigint') return (value > MAX || value < -MAX ? value : Number(value)) as T;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = normalizeExactNumbers(value[i]);
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = normalizeExactNumbers(o[k]);
  }
  return value;
}

/** A JSON number token read the same way parseExact reads it (modifier values, YAML scalars). */
export function exactNumber(text: string): number | bigint {
  return parseNumber(text);
}
