// Validation problems as values. Checks produce `Issue`s (a code, a field path, a message);
// the loader pins each one to file:line:col through the document's locator.
import type { KindName, ValidationError } from './types.ts';

export type PathSegment = string | number;

export interface Issue {
  code: string;
  path: PathSegment[];
  message: string;
  /** Point at the field's key instead of its value (unknown fields, inline credentials). */
  at?: 'key' | 'value';
}

export function issue(code: string, path: PathSegment[], message: string, at?: 'key' | 'value'): Issue {
  return at ? { code, path, message, at } : { code, path, message };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** "spec.orLabelSelectors[0].matchLabels[\"k0rdent.mirantis.com/component\"]" */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Thrown for tool errors (the repository cannot be read at all), never for invalid content. */
export class RepositoryError extends Error {
  constructor(
    readonly code: 'repository.not-found' | 'repository.not-a-directory' | 'repository.unreadable',
    message: string,
  ) {
    super(message);
  }
}

export function validationError(
  file: string,
  pos: { line: number; col: number },
  code: string,
  path: string,
  message: string,
  owner?: { kind?: KindName; name?: string },
): ValidationError {
  const e: ValidationError = { code, file, line: pos.line, col: pos.col, path, message };
  if (owner?.kind) e.kind = owner.kind;
  if (owner?.name) e.name = owner.name;
  return e;
}

function cmp(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted by file, line, col, path; stable for equal keys (Array.prototype.sort is stable). */
export function sortErrors(errors: readonly ValidationError[]): ValidationError[] {
  return [...errors].sort((a, b) => cmp(a.file, b.file) || cmp(a.line, b.line) || cmp(a.col, b.col) || cmp(a.path, b.path));
}
