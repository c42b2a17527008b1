// Backup names (DESIGN §2): `<policy>-<YYYYMMDDhhmmss>` of the scheduled slot in UTC, or
// `<policy>-<trigger>` for one-time backups. Names are object-key segments, so they are held to a
// conservative character set instead of being silently rewritten (a rewrite could collide).

/** Trigger value a one-time policy without `trigger` runs under: it runs exactly once. */
export const INITIAL_TRIGGER = 'initial';

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export class NamingError extends Error {
  readonly code = 'naming.invalid';
}

/** "20261121060000" for 2026-11-21T06:00:00Z. */
export function slotStamp(slot: Date): string {
  const iso = slot.toISOString(); // 2026-11-21T06:00:00.000Z
  return iso.slice(0, 19).replace(/[-T:]/g, '');
}

/** Name of a scheduled (or manual, "now") backup: `<policy>-<YYYYMMDDhhmmss>` in UTC. */
export function scheduledBackupName(policy: string, slot: Date): string {
  return `${policy}-${slotStamp(slot)}`;
}

/** Name of a one-time backup: `<policy>-<trigger>`, `<policy>-initial` without a trigger. */
export function oneTimeBackupName(policy: string, trigger: string | undefined): string {
  const t = trigger ?? INITIAL_TRIGGER;
  if (!SAFE_SEGMENT.test(t)) {
    throw new NamingError(
      `trigger "${t}" of policy "${policy}" cannot form a backup name: use letters, digits, ".", "_" and "-", starting with a letter or digit`,
    );
  }
  return `${policy}-${t}`;
}

/** "2026-11-21 06:00" (UTC), with ":ss" only when the slot has seconds: for reasons people read. */
export function formatSlot(slot: Date): string {
  const iso = slot.toISOString();
  const seconds = iso.slice(17, 19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${seconds === '00' ? '' : `:${seconds}`}`;
}

/** RFC3339 UTC without milliseconds when they are zero: "2026-11-22T06:00:00Z". */
export function rfc3339(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

/** RFC3339 UTC at second precision (milliseconds dropped): the form the plan and status use for "now". */
export function rfc3339Seconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
