// Errors of the policy-repository adapter. Every message passes through `scrub` first, so a
// token that git echoes back (in a URL, in a "could not read from <url>" line) never reaches a
// log line, a status file or a commit.

export type GitErrorCode =
  | 'git.clone' // the first clone failed (bad URL, missing branch, unreachable remote)
  | 'git.fetch' // fetching the branch failed
  | 'git.push' // push failed for a reason other than a race (e.g. a server hook declined it)
  | 'git.push-rejected' // another writer kept winning the race for every attempt
  | 'git.rebase-conflict' // a human commit touched the same status file; the status commit was dropped
  | 'git.path-outside-status' // cairn was asked to write outside status/
  | 'git.auth' // the remote refused the credentials, or none were configured
  | 'git.remote-mismatch' // the workdir is a clone of another repository
  | 'git.branch-missing' // the branch does not exist on the remote
  | 'git.workdir' // the workdir exists but is not a clone cairn can use
  | 'git.invalid-argument' // a revision, path or trailer cairn was handed is malformed
  | 'git.command'; // any other git failure (reading a revision, committing)

export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    readonly code: GitErrorCode,
    message: string,
    /** The repository (scrubbed URL or path) or file the error concerns. */
    readonly target?: string,
  ) {
    super(message);
  }
}

/** Replaces the userinfo of every `scheme://user:pass@host` URL, and every known secret, with "***". */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]*@/gi, '$1***@');
  for (const secret of secrets) {
    // Very short values would mangle ordinary words and cannot be meaningful secrets anyway.
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

const AUTH_PATTERNS = [
  /authentication failed/i,
  /could not read (username|password)/i,
  /terminal prompts disabled/i,
  /permission denied \(publickey/i,
  /invalid username or password/i,
  /HTTP Basic: Access denied/i,
  /The requested URL returned error: (401|403)/i,
  /Host key verification failed/i,
];

/** True when git's message says the remote refused (or never got) credentials. */
export function isAuthFailure(message: string): boolean {
  return AUTH_PATTERNS.some((re) => re.test(message));
}

/** The text of whatever a git call threw, without simple-git's wrapping. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
