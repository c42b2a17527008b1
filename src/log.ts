// Structured logging: JSON lines when stderr is not a TTY (for log collectors), short readable
// lines when it is. Redaction is a second line of defence: credentials are never put into log
// fields at all.
//
// pino is loaded on the first line actually logged, not at import: commands that log nothing
// (`--version`, `validate`, a quiet `plan`) never pay for it (issue 17). cairn uses only
// debug/info/warn/error and child, which is all `Logger` promises; a pino logger satisfies it.
import { createRequire } from 'node:module';
import type { DestinationStream, Logger as PinoLogger } from 'pino';

type LogFn = { (obj: object, msg?: string): void; (msg: string): void };

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

const REDACT = ['*.secretAccessKey', '*.accessKey', '*.password', '*.passphrase', '*.token', '*.authorization'];
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
/** pino's level values (pino/lib/constants.js); `silent` logs nothing. */
const LEVEL_VALUES: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

/** A log level name as pino knows it; anything else is a usage error naming the choices. */
export function levelValue(level: string): number {
  const v = LEVEL_VALUES[level];
  if (v === undefined) throw new Error(`log level "${level}" is not one of ${LOG_LEVELS.join(', ')}`);
  return v;
}

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

const require = createRequire(import.meta.url);

/** Forwards enabled lines to a pino logger made on first use; disabled ones cost a comparison. */
class LazyLogger implements Logger {
  private real?: PinoLogger;

  constructor(
    private readonly min: number,
    private readonly make: () => PinoLogger,
  ) {}

  private emit(method: 'debug' | 'info' | 'warn' | 'error', value: number, args: unknown[]): void {
    if (value < this.min) return;
    this.real ??= this.make();
    (this.real[method] as (...a: unknown[]) => void)(...args);
  }

  debug: LogFn = (...args: unknown[]) => this.emit('debug', 20, args);
  info: LogFn = (...args: unknown[]) => this.emit('info', 30, args);
  warn: LogFn = (...args: unknown[]) => this.emit('warn', 40, args);
  error: LogFn = (...args: unknown[]) => this.emit('error', 50, args);

  child(bindings: Record<string, unknown>): Logger {
    return new LazyLogger(this.min, () => (this.real ??= this.make()).child(bindings));
  }
}

export function createLogger(opts: { level?: string; name?: string; json?: boolean } = {}): Logger {
  const level = opts.level ?? process.env.CAIRN_LOG_LEVEL ?? 'info';
  const min = levelValue(level);
  const json = opts.json ?? !process.stderr.isTTY;
  return new LazyLogger(min, () => {
    const { pino } = require('pino') as typeof import('pino');
    return pino(
      {
        name: opts.name ?? 'cairn',
        level,
        redact: { paths: REDACT, censor: '[redacted]' },
        base: undefined,
        timestamp: pino.stdTimeFunctions.isoTime,
      },
      json ? pino.destination({ fd: 2, sync: true }) : terminal(),
    );
  });
}

/** A logger that drops everything: for library callers and tests that assert on results, not logs. */
export const silentLogger: Logger = new LazyLogger(Infinity, () => {
  throw new Error('unreachable: the silent logger never logs');
});
