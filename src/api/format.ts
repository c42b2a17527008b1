// Renders validation errors for people (text), scripts (json) and GitHub Actions (github
// workflow commands, which turn into annotations on the pull request's diff).
import type { ValidationError } from './types.ts';

export type ErrorFormat = 'text' | 'json' | 'github';
export const ERROR_FORMATS: readonly ErrorFormat[] = ['text', 'json', 'github'];

function textLine(e: ValidationError): string {
  return `${e.file}:${e.line}:${e.col}: error: ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

// GitHub's workflow-command escaping: the message escapes % CR LF; property values
// additionally escape ':' and ','.
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function githubLine(e: ValidationError): string {
  const props = `file=${escapeProperty(e.file)},line=${e.line},col=${e.col}`;
  return `::error ${props}::${escapeData(`${e.path ? `${e.path}: ` : ''}${e.message}`)}`;
}

/** One line per error for text and github (no trailing newline); a JSON array for json. */
export function formatErrors(errors: readonly ValidationError[], format: ErrorFormat): string {
  switch (format) {
    case 'text':
      return errors.map(textLine).join('\n');
    case 'github':
      return errors.map(githubLine).join('\n');
    case 'json':
      return JSON.stringify(
        errors.map((e) => ({ file: e.file, line: e.line, col: e.col, path: e.path, code: e.code, message: e.message, kind: e.kind, name: e.name })),
        null,
        2,
      );
  }
}
