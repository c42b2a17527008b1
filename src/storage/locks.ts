// At most one in-flight backup per policy per location: a small lock object created with a
// real conditional write. An expired lock is taken over with compare-and-swap on its version,
// so of two contenders that both saw it expired exactly one wins.
import type { Logger } from '../log.ts';
import type { ObjectStore } from './object-store.ts';
import type { LockInfo } from './types.ts';
import { layout } from './layout.ts';
import { jsonBytes, parseJson, readAll } from './json-io.ts';
import { LockHeldError, NotFoundError } from './errors.ts';
import { checkName } from './names.ts';

export interface HeldLock {
  readonly info: LockInfo;
  /** Deletes the lock if it is still this holder's (best effort). */
  release(): Promise<void>;
}

const ATTEMPTS = 4;

async function readLock(store: ObjectStore, key: string): Promise<{ info?: LockInfo; etag: string } | undefined> {
  const st = await store.stat(key);
  if (!st) return undefined;
  try {
    return { info: parseJson<LockInfo>(await readAll(await store.get(key)), key), etag: st.etag };
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    // An unreadable lock cannot name a holder or an expiry; it is treated as expired.
    return { etag: st.etag };
  }
}

/** The lock's content; undefined when there is none or it is not JSON. */
async function readLockInfo(store: ObjectStore, key: string): Promise<LockInfo | undefined> {
  let body: Buffer;
  try {
    body = await readAll(await store.get(key));
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  try {
    return parseJson<LockInfo>(body, key);
  } catch {
    return undefined; // unreadable: not provably this holder's, so it is left to expire
  }
}

export async function acquireLock(
  store: ObjectStore,
  location: string,
  policy: string,
  holder: string,
  ttlMs: number,
  logger: Logger,
  now: () => Date = () => new Date(),
): Promise<HeldLock> {
  checkName('policy', policy);
  const key = layout.lock(policy);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const at = now();
    const info: LockInfo = { policy, holder, acquiredAt: at.toISOString(), expires: new Date(at.getTime() + ttlMs).toISOString() };
    const body = jsonBytes(info);
    if (await store.putIfAbsent(key, body)) return held(store, key, info, logger);

    const current = await readLock(store, key);
    if (!current) continue; // released in between: try the conditional create again
    const expires = current.info ? Date.parse(current.info.expires) : Number.NaN;
    if (current.info && expires > at.getTime()) {
      throw new LockHeldError(policy, current.info.holder, current.info.expires, { location, key });
    }
    // Expired (or unreadable): replace it only if it is still the version judged expired.
    if (await store.replaceIfUnchanged(key, body, current.etag)) {
      logger.warn({ policy, previousHolder: current.info?.holder, expired: current.info?.expires }, 'took over an expired backup lock');
      return held(store, key, info, logger);
    }
  }
  const last = await readLock(store, key);
  throw new LockHeldError(policy, last?.info?.holder ?? 'unknown', last?.info?.expires ?? 'unknown', { location, key });
}

function held(store: ObjectStore, key: string, info: LockInfo, logger: Logger): HeldLock {
  return {
    info,
    async release() {
      // Only the body is needed to know whose lock it is (no stat: one round trip less).
      const current = await readLockInfo(store, key);
      if (!current || current.holder !== info.holder || current.acquiredAt !== info.acquiredAt) {
        logger.warn({ policy: info.policy, holder: info.holder }, 'backup lock was taken over before release; leaving it');
        return;
      }
      await store.delete(key);
    },
  };
}
