// `--listen [host:]port`: where the HTTP server binds. Without a host it binds loopback only, so
// a bare port never exposes the engine; a pod that must be reached says `0.0.0.0:8080` on purpose.

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_HOST = '127.0.0.1';

/** Parses `8080`, `:8080`, `127.0.0.1:8080`, `0.0.0.0:8080`, `[::1]:8080`; throws a message naming the flag. */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):)?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw new Error(`--listen must be [host:]port (e.g. 8080, 127.0.0.1:8080, 0.0.0.0:8080, [::1]:8080), got "${text}"`);
  }
  const host = m[1] ?? (m[2] || DEFAULT_HOST);
  return { host, port };
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
