// Structured logging: JSON lines when stderr is not a TTY, short text lines when it is.
// Redaction is a second line of defence: credentials are never put into log fields at all.
import { pino, type Logger } from 'pino';

const REDACT = ['*.secretAccessKey', '*.accessKey', '*.password', '*.passphrase', '*.token', '*.authorization'];

export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'cairn',
      level: opts.level ?? process.env.CAIRN_LOG_LEVEL ?? 'info',
      redact: { paths: REDACT, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything: for library callers and tests that assert on results, not logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
export type { Logger };
