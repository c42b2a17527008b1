// Go-style durations ("720h", "1h30m", "20m", "1.5h", "500ms"), the syntax Velero and Kubernetes
// users already write. Units: ns, us, µs, ms, s, m, h. Days are deliberately absent, as in Go.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export class DurationError extends Error {
  readonly code = 'duration.invalid';
}

/** Parses a Go duration into milliseconds. Throws DurationError with a message fit for a user. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while (pos < s.length && (m = re.exec(s)) !== null) {
    total += parseFloat(m[1]) * UNIT_MS[m[2]];
    pos = re.lastIndex;
  }
  if (s.length === 0 || pos !== s.length) {
    throw new DurationError(`invalid duration "${text}": use a number with a unit (ns, us, ms, s, m, h), e.g. "720h" or "1h30m"`);
  }
  return total;
}

/** Formats milliseconds the way parseDuration reads them back ("26h0m0s" style, shortest form). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}
