// At most one in-flight backup per policy per location: a small lock object created with a
// real conditional write, held as a lease that the holder renews (its heartbeat). A lock is
// taken over, with compare-and-swap on its version so of two contenders exactly one wins, when
// its lease ran out, its heartbeat is stale, or its owner is provably dead (same host, pid gone
// or reused, or the host rebooted) — the last at once, without waiting for the lease.
import type { Logger } from '../log.ts';
import type { ObjectStore } from './object-store.ts';
import type { LockInfo } from './types.ts';
import { layout } from './layout.ts';
import { MAX_SMALL_JSON_BYTES, jsonBytes, parseJson, readAll } from './json-io.ts';
import { LockHeldError, NotFoundError } from './errors.ts';
import { checkName } from './names.ts';
import { currentOwner, ownerGone } from './lock-owner.ts';

export interface HeldLock {
  readonly info: LockInfo;
  /** Stops the heartbeat and deletes the lock if it is still this holder's (best effort). */
  release(): Promise<void>;
}

const ATTEMPTS = 4;

async function readLock(store: ObjectStore, key: string): Promise<{ info?: LockInfo; etag: string } | undefined> {
  const st = await store.stat(key);
  if (!st) return undefined;
  try {
    return { info: parseJson<LockInfo>(await readAll(await store.get(key), key, MAX_SMALL_JSON_BYTES), key), etag: st.etag };
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
    body = await readAll(await store.get(key), key, MAX_SMALL_JSON_BYTES);
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

/** Why `info` no longer guards a running backup at `at`, or undefined while it does. */
export function lockStaleReason(info: LockInfo | undefined, at: number): string | undefined {
  if (!info) return 'the lock is unreadable';
  const expires = Date.parse(info.expires);
  if (!(expires > at)) return `its lease expired at ${info.expires}`;
  const beat = info.heartbeat ? Date.parse(info.heartbeat) : Number.NaN;
  if (Number.isFinite(beat) && typeof info.staleAfterMs === 'number' && beat + info.staleAfterMs < at) {
    return `its heartbeat stopped at ${info.heartbeat} (stale after ${info.staleAfterMs} ms)`;
  }
  return ownerGone(info.owner);
}

export async function acquireLock(
  store: ObjectStore,
  location: string,
  policy: string,
  holder: string,
  /** The lease: the lock is renewed every quarter of it while held. */
  ttlMs: number,
  logger: Logger,
  now: () => Date = () => new Date(),
): Promise<HeldLock> {
  checkName('policy', policy);
  const key = layout.lock(policy);
  const owner = currentOwner(holder);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const at = now();
    const info: LockInfo = {
      policy,
      holder,
      acquiredAt: at.toISOString(),
      expires: new Date(at.getTime() + ttlMs).toISOString(),
      owner,
      heartbeat: at.toISOString(),
      staleAfterMs: ttlMs,
    };
    const body = jsonBytes(info);
    if (await store.putIfAbsent(key, body)) return held(store, key, info, ttlMs, logger, now);

    const current = await readLock(store, key);
    if (!current) continue; // released in between: try the conditional create again
    const reason = lockStaleReason(current.info, at.getTime());
    if (!reason) throw new LockHeldError(policy, current.info!.holder, current.info!.expires, { location, key });
    // Stale: replace it only if it is still the version judged stale.
    if (await store.replaceIfUnchanged(key, body, current.etag)) {
      logger.warn({ policy, previousHolder: current.info?.holder, previousOwner: current.info?.owner, reason }, 'took over a stale backup lock');
      return held(store, key, info, ttlMs, logger, now);
    }
  }
  const last = await readLock(store, key);
  throw new LockHeldError(policy, last?.info?.holder ?? 'unknown', last?.info?.expires ?? 'unknown', { location, key });
}

function held(store: ObjectStore, key: string, first: LockInfo, ttlMs: number, logger: Logger, now: () => Date): HeldLock {
  let info = first;
  let stopped = false;
  let beating: Promise<void> = Promise.resolve();
  const beat = async () => {
    const st = await store.stat(key);
    const current = st ? await readLockInfo(store, key) : undefined;
    if (stopped) return;
    if (!st || !current || current.holder !== info.holder || current.acquiredAt !== info.acquiredAt) {
      stopped = true;
      logger.error({ policy: info.policy, holder: info.holder, now: current?.holder }, 'backup lock was taken over while held: another backup of this policy may run');
      return;
    }
    const at = now();
    const next = { ...info, heartbeat: at.toISOString(), expires: new Date(at.getTime() + ttlMs).toISOString() };
    if (await store.replaceIfUnchanged(key, jsonBytes(next), st.etag)) info = next;
  };
  const timer = ttlMs > 0 ? setInterval(() => {
    beating = beating.then(beat).catch((err: unknown) => logger.warn({ policy: info.policy, err: (err as Error).message }, 'could not renew the backup lock; retrying'));
  }, Math.max(50, Math.floor(ttlMs / 4))) : undefined;
  timer?.unref();
  return {
    get info() {
      return info;
    },
    async release() {
      stopped = true;
      if (timer) clearInterval(timer);
      await beating;
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
