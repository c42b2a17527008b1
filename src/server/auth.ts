// Who may read and who may wake the engine. Reads (/status, /metrics, /api/v1, the page) need the
// read token when one is configured; the webhook needs the Git host's proof of the shared secret:
// GitHub's X-Hub-Signature-256 (HMAC-SHA256 of the body) or GitLab's X-Gitlab-Token. Comparisons
// are constant-time over digests, so neither length nor content leaks through timing.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface AuthConfig {
  /** Read token (CAIRN_READ_TOKEN); absent: reads are open, and the bind address is the guard. */
  readToken?: string;
  /** Webhook secret (CAIRN_WEBHOOK_SECRET); absent: /webhook answers 403 unless webhookInsecure. */
  webhookSecret?: string;
  /** `--webhook-insecure`: accept unsigned webhooks (a trusted network only). */
  webhookInsecure?: boolean;
}

export const READ_TOKEN_ENV = 'CAIRN_READ_TOKEN';
export const WEBHOOK_SECRET_ENV = 'CAIRN_WEBHOOK_SECRET';
/** Cookie the page's `?token=` login sets, so a browser can send the token without a header. */
export const TOKEN_COOKIE = 'cairn_read_token';

/** Auth settings from the environment; empty values count as unset. */
export function authFromEnv(env: NodeJS.ProcessEnv, webhookInsecure = false): AuthConfig {
  return {
    ...(env[READ_TOKEN_ENV] ? { readToken: env[READ_TOKEN_ENV] } : {}),
    ...(env[WEBHOOK_SECRET_ENV] ? { webhookSecret: env[WEBHOOK_SECRET_ENV] } : {}),
    webhookInsecure,
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token a request presents: `Authorization: Bearer …`, or the page's cookie. */
export function presentedToken(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const cookie = headers.cookie;
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === TOKEN_COOKIE) {
        try {
          return decodeURIComponent(part.slice(eq + 1).trim());
        } catch {
          return undefined;
        }
      }
    }
  }
  return undefined;
}

/** May this request read? Always, when no read token is configured. */
export function mayRead(auth: AuthConfig, headers: IncomingHttpHeaders): boolean {
  if (!auth.readToken) return true;
  const token = presentedToken(headers);
  return token !== undefined && sameSecret(token, auth.readToken);
}

/** True when `token` is the configured read token (the page's `?token=` login). */
export function isReadToken(auth: AuthConfig, token: string): boolean {
  return auth.readToken !== undefined && sameSecret(token, auth.readToken);
}

export type WebhookVerdict = { ok: true; via: 'github' | 'gitlab' | 'insecure' } | { ok: false; status: 401 | 403; reason: string };

/** Checks a webhook delivery: the raw body and its headers against the configured secret. */
export function verifyWebhook(auth: AuthConfig, headers: IncomingHttpHeaders, body: Buffer): WebhookVerdict {
  const secret = auth.webhookSecret;
  if (!secret) {
    if (auth.webhookInsecure) return { ok: true, via: 'insecure' };
    return { ok: false, status: 403, reason: `webhooks are refused: set ${WEBHOOK_SECRET_ENV} (or pass --webhook-insecure on a trusted network)` };
  }
  const signature = headers['x-hub-signature-256'];
  if (typeof signature === 'string') {
    const m = /^sha256=([0-9a-f]{64})$/i.exec(signature.trim());
    if (!m) return { ok: false, status: 401, reason: 'X-Hub-Signature-256 is not "sha256=<64 hex digits>"' };
    const expected = createHmac('sha256', secret).update(body).digest();
    const given = Buffer.from(m[1], 'hex');
    return timingSafeEqual(expected, given) ? { ok: true, via: 'github' } : { ok: false, status: 401, reason: 'X-Hub-Signature-256 does not match the body and the webhook secret' };
  }
  const token = headers['x-gitlab-token'];
  if (typeof token === 'string') {
    return sameSecret(token, secret) ? { ok: true, via: 'gitlab' } : { ok: false, status: 401, reason: 'X-Gitlab-Token does not match the webhook secret' };
  }
  return { ok: false, status: 401, reason: 'no X-Hub-Signature-256 (GitHub) or X-Gitlab-Token (GitLab) header' };
}
