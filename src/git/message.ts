// The status commit's message: subject, one body line per action, then a trailer block that
// `git interpret-trailers --parse` and `git log --format=%(trailers)` read back (DESIGN §4).
import { GitError } from './errors.ts';

export interface CommitMessageParts {
  subject: string;
  /** One line per action. */
  body: string[];
  /** [key, value] pairs, e.g. ['Cairn-Revision', sha], ['Cairn-Action', 'backup kcm-20261121060000 Completed']. */
  trailers: [string, string][];
  /** Appends " [skip ci]" to the subject so CI systems ignore status-only commits. */
  skipCi: boolean;
}

const TRAILER_KEY = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

function oneLine(text: string, what: string): string {
  if (/[\r\n]/.test(text)) throw new GitError('git.invalid-argument', `${what} must be a single line: "${text.split(/\r?\n/)[0]}…"`);
  return text.trim();
}

export function formatCommitMessage(parts: CommitMessageParts): string {
  const subject = oneLine(parts.subject, 'the commit subject');
  if (subject === '') throw new GitError('git.invalid-argument', 'the commit subject is empty');
  const paragraphs = [parts.skipCi && !subject.includes('[skip ci]') ? `${subject} [skip ci]` : subject];

  const body = parts.body.map((line) => oneLine(line, 'a commit body line')).filter((line) => line !== '');
  if (body.length > 0) paragraphs.push(body.join('\n'));

  const trailers = parts.trailers.map(([key, value]) => {
    if (!TRAILER_KEY.test(key)) throw new GitError('git.invalid-argument', `trailer key "${key}" is invalid: use letters, digits and "-" (e.g. Cairn-Action)`);
    const v = oneLine(value, `trailer ${key}`);
    if (v === '') throw new GitError('git.invalid-argument', `trailer ${key} has an empty value`);
    return `${key}: ${v}`;
  });
  if (trailers.length > 0) paragraphs.push(trailers.join('\n'));
  return paragraphs.join('\n\n');
}
