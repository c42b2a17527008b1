// The backup's own log (log.jsonl.gz, read by `cairn backups logs`), mirrored to the process
// logger. One line per resource and per problem, never per item: it stays small.
import type { Logger } from '../log.ts';

export type LogLevel = 'info' | 'warn' | 'error';

export class BackupLog {
  readonly lines: object[] = [];
  constructor(
    private readonly logger: Logger,
    private readonly backup: string,
  ) {}

  write(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
    this.lines.push({ time: new Date().toISOString(), level, msg, ...fields });
    this.logger[level]({ backup: this.backup, ...fields }, msg);
  }
}
