// Every regular expression a user writes (resourceNameRegex today) is a Go regexp, as in Velero:
// RE2 syntax, matched in linear time. It is compiled by re2js (a pure-JavaScript port of RE2), never
// by JavaScript's RegExp, which accepts look-around and back-references that Velero refuses and can
// backtrack for minutes on `(a+)+$` (issue 16 item 6). Matching is unanchored, like Go's
// regexp.MatchString.
import { RE2JS } from 're2js';
import { PatternError } from './errors.ts';

export interface CompiledRegex {
  readonly source: string;
  /** True when the pattern matches somewhere in `s` (unanchored). */
  test(s: string): boolean;
}

/** Compiles a Go (RE2) regexp; throws PatternError('regex.invalid') naming what RE2 refuses. */
export function compileRegex(source: string): CompiledRegex {
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (err) {
    throw new PatternError('regex.invalid', `${JSON.stringify(source)} is not a valid RE2 (Go) regular expression: ${reason(err)}`);
  }
  return { source, test: (s) => re.matcher(s).find() };
}

/** What RE2 refuses in `source`, for validation; undefined when it compiles. */
export function regexProblem(source: string): string | undefined {
  try {
    compileRegex(source);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/^error parsing regexp: /, '');
}
