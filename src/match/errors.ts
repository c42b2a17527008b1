// A pattern a user wrote (glob, regular expression, label selector) that cannot be compiled.
// Callers turn it into their own error value (an api Issue with file:line, a ModifierError).

export type PatternErrorCode = 'glob.invalid' | 'regex.invalid' | 'selector.invalid';

export class PatternError extends Error {
  override readonly name = 'PatternError';
  constructor(
    readonly code: PatternErrorCode,
    message: string,
  ) {
    super(message);
  }
}
