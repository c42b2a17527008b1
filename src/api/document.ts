// Validation of one parsed object: inline credentials, the kind's JSON Schema, then the checks
// the schema cannot express; and the step that pins the resulting Issues to file positions.
import type { KindName, ValidationError } from './types.ts';
import { formatPath, validationError, type Issue, type PathSegment } from './errors.ts';
import type { Locator } from './locate.ts';
import { findInlineCredentials } from './credentials.ts';
import { validateKind } from './schema.ts';
import { checkAsWritten, checkObject } from './checks.ts';

function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => String(s) === String(path[i]));
}

/**
 * Combines issue lists, letting an inline-credential issue stand alone for its field: the
 * schema's "unknown field" for the same key would only repeat it less helpfully.
 */
export function combineIssues(credentials: Issue[], ...rest: Issue[][]): Issue[] {
  const others = rest.flat().filter((i) => !credentials.some((c) => startsWith(i.path, c.path)));
  return [...credentials, ...others];
}

/** Validates an object of `kind` and fills in the schema defaults (mutates `value`). */
export function validateObject(kind: KindName, value: unknown): Issue[] {
  const credentials = findInlineCredentials(value, kind);
  const written = checkAsWritten(kind, value); // before the schema's defaults are applied
  return combineIssues(credentials, written, validateKind(kind, value), checkObject(kind, value));
}

/** Pins issues to file:line:col. `display` prefixes the shown path (for embedded documents). */
export function toErrors(
  issues: readonly Issue[],
  file: string,
  locator: Locator | undefined,
  owner: { kind?: KindName; name?: string } = {},
  display: PathSegment[] = [],
): ValidationError[] {
  return issues.map((i) =>
    validationError(file, locator ? locator.locate(i.path, i.at) : { line: 1, col: 1 }, i.code, formatPath([...display, ...i.path]), i.message, owner),
  );
}
