// Velero's patch `value` is a string; it becomes JSON by Velero's addQuotes rules
// (internal/resourcemodifiers/json_patch.go), which paste the string into a JSON document:
//   ""                      → the empty string
//   "\"…\"" (quoted)        → a string, the quotes removed (write "\"true\"" for the string true)
//   null                    → null
//   true / false            → a boolean (True/FALSE are pasted unquoted too, and fail)
//   starts with { or [      → the JSON object / array it spells
//   a number (Go ParseFloat) → the number
//   anything else           → a string
// Because Velero pastes the text into JSON unescaped, a value it would turn into invalid JSON
// (TRUE, 1e, +5, .5, 0x10, NaN, "{not json", a string with a bare quote or backslash) fails
// that rule on every item. We report the same failure, earlier and with a clearer message.
import { ModifierError } from './errors.ts';
import { exactNumber, parseExact } from '../exact-json.ts';

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
// What Go's strconv.ParseFloat accepts (decimal, hex floats, inf/nan, underscores), roughly:
const GO_FLOAT =
  /^[+-]?(?:(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?|0[xX][\da-fA-F_]*(?:\.[\da-fA-F_]*)?(?:[pP][+-]?\d+)?|inf(?:inity)?|nan)$/i;

/** Turns a Velero patch value string into the JSON value Velero would use. */
export function veleroValueToJson(raw: string | undefined, where: string): unknown {
  const value = raw ?? '';
  if (value === '') return '';
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return jsonStringBody(value.slice(1, -1), where);
  if (value === 'null') return null;
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === 'false') {
    if (value !== lower) invalid(where, value, `Velero writes it unquoted and ${value} is not JSON; write ${lower}, or "\\"${value}\\"" for a string`);
    return value === 'true';
  }
  if (value.startsWith('{') || value.startsWith('[')) {
    try {
      return parseExact(value);
    } catch (err) {
      return invalid(where, value, `it starts with ${value[0]} so it is read as JSON, and it is not valid JSON (${(err as Error).message})`);
    }
  }
  // int64 beyond 2^53 stays exact (a bigint), as in the objects it patches (exact-json.ts).
  if (JSON_NUMBER.test(value)) return exactNumber(value);
  if (GO_FLOAT.test(value)) invalid(where, value, 'Velero reads it as a number but it is not a JSON number; quote it ("\\"…\\"") to mean a string');
  return jsonStringBody(value, where);
}

/** The text between the quotes of a JSON string, as Velero pastes it. */
function jsonStringBody(body: string, where: string): string {
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return invalid(where, body, 'it contains a quote, backslash or control character that is not a valid JSON escape; escape it as in JSON (\\" or \\\\)');
  }
}

function invalid(where: string, value: string, why: string): never {
  throw new ModifierError('modifiers.value', `${where}: value ${JSON.stringify(value)} cannot be used: ${why}`);
}
