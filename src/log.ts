// Structured logging: JSON lines when stderr is not a TTY (for log collectors), short readable
// lines when it is. Redaction is a second line of defence: credentials are never put into log
// fields at all.
import { pino, type DestinationStream, type Logger } from 'pino';

const REDACT = ['*.secretAccessKey', '*.accessKey', '*.password', '*.passphrase', '*.token', '*.authorization'];
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Renders pino's JSON line as "15:04:05 warn  message key=value …" for a person at a terminal. */
export function humanLine(json: string): string {
  const { time, level, msg, name: _name, ...fields } = JSON.parse(json) as Record<string, unknown>;
  const clock = typeof time === 'string' ? time.slice(11, 19) : '';
  const rest = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
    .join(' ');
  return `${clock} ${(LEVELS[level as number] ?? String(level)).padEnd(5)} ${msg ?? ''}${rest ? `  ${rest}` : ''}\n`;
}

function terminal(): DestinationStream {
  return {
    write(line: string) {
      try {
        process.stderr.write(humanLine(line));
      } catch {
        process.stderr.write(line);
      }
    },
  };
}

export function createLogger(opts: { level?: string; name?: string; json?: boolean } = {}): Logger {
  const json = opts.json ?? !process.stderr.isTTY;
  return pino(
    {
      name: opts.name ?? 'cairn',
      level: opts.level ?? process.env.CAIRN_LOG_LEVEL ?? 'info',
      redact: { paths: REDACT, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    json ? pino.destination({ fd: 2, sync: true }) : terminal(),
  );
}

/** A logger that drops everything: for library callers and tests that assert on results, not logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
export type { Logger };
