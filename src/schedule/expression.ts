// Parses a policy's `schedule`: a 5-field cron expression, a macro (@hourly, @daily, ...), or
// "@every <duration>". cron-parser handles cron; it silently accepts 4 or 6 fields, so the field
// count is checked here, and it has no @every, which is parsed here.
import { CronExpressionParser } from 'cron-parser';
import { createRequire } from 'node:module';
import { parseDuration, DurationError } from './duration.ts';

// cron-parser computes in luxon, and luxon asks ICU (Intl.DateTimeFormat) for the host's locale
// and time zone the first time it builds a date unless its defaults are set. cairn's schedules
// are UTC and never formatted for a locale, so the defaults are set here, on the luxon instance
// cron-parser itself requires (its CommonJS build; an `import` would get the ES build, another
// instance). Asking ICU costs every `cairn run` ~6 MiB of resident ICU data (issue 17).
const require = createRequire(import.meta.url);
const { Settings } = require('luxon') as { Settings: { defaultLocale: string; defaultZone: string } };
Settings.defaultLocale = 'en-US';
Settings.defaultZone = 'utc';

export const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export type Schedule =
  | { kind: 'cron'; source: string; cron: string }
  | { kind: 'every'; source: string; everyMs: number };

export class ScheduleError extends Error {
  readonly code = 'schedule.invalid';
}

export function parseSchedule(text: string): Schedule {
  const source = text.trim();
  if (source.startsWith('@every')) {
    const rest = source.slice('@every'.length).trim();
    if (!rest) throw new ScheduleError(`"@every" needs a duration, e.g. "@every 20m"`);
    let ms: number;
    try {
      ms = parseDuration(rest);
    } catch (e) {
      throw new ScheduleError(`invalid "@every" schedule: ${(e as DurationError).message}`);
    }
    if (!(ms > 0)) throw new ScheduleError(`"@every" needs a positive duration, got "${rest}"`);
    return { kind: 'every', source, everyMs: ms };
  }
  if (source.startsWith('@')) {
    const cron = MACROS[source.toLowerCase()];
    if (!cron) {
      throw new ScheduleError(`unknown schedule macro "${source}": use one of ${Object.keys(MACROS).join(', ')} or "@every <duration>"`);
    }
    return { kind: 'cron', source, cron };
  }
  const fields = source.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) {
    throw new ScheduleError(`cron expression "${source}" has ${fields.length} fields; cairn needs exactly 5 (minute hour day-of-month month day-of-week)`);
  }
  try {
    CronExpressionParser.parse(source, { tz: 'UTC' });
  } catch (e) {
    throw new ScheduleError(`invalid cron expression "${source}": ${(e as Error).message}`);
  }
  return { kind: 'cron', source, cron: source };
}

/** Latest slot at or before `now` (UTC), or undefined when there is none. */
export function latestSlotAtOrBefore(schedule: Schedule, now: Date): Date | undefined {
  if (schedule.kind === 'every') {
    // Slots of "@every d" are the multiples of d since the Unix epoch: stable across restarts.
    return new Date(Math.floor(now.getTime() / schedule.everyMs) * schedule.everyMs);
  }
  // prev() is strictly before currentDate, so start one millisecond after now to include an exact hit.
  const it = CronExpressionParser.parse(schedule.cron, { tz: 'UTC', currentDate: new Date(now.getTime() + 1) });
  try {
    return it.prev().toDate();
  } catch {
    return undefined;
  }
}

/** First slot strictly after `now` (UTC). */
export function nextSlotAfter(schedule: Schedule, now: Date): Date | undefined {
  if (schedule.kind === 'every') {
    return new Date((Math.floor(now.getTime() / schedule.everyMs) + 1) * schedule.everyMs);
  }
  const it = CronExpressionParser.parse(schedule.cron, { tz: 'UTC', currentDate: now });
  try {
    return it.next().toDate();
  } catch {
    return undefined;
  }
}
