// Hostile lock states (issue 16 item 9): a policy lock left by a dead process, or whose holder
// stopped renewing it, is taken over at once with a log line; a live holder's lock still holds.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockHeldError, layout, openLocation, type BackupStore, type LockInfo } from '../../src/storage/index.ts';
import { location } from '../restore/harness.ts';

let dir: string;
let store: BackupStore;
let lines: { msg: string; level: number; [k: string]: unknown }[];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-hostile-locks-'));
  lines = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (c, _e, done) => (lines.push(JSON.parse(String(c))), done()) }));
  store = await openLocation(location({ provider: 'filesystem', filesystem: { path: join(dir, 'store') } }), { logger });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pid that existed a moment ago and is gone now. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}

async function plant(info: Partial<LockInfo> & Record<string, unknown>): Promise<void> {
  const now = Date.now();
  const lock = { policy: 'kcm', holder: 'engine-old', acquiredAt: new Date(now - 60_000).toISOString(), expires: new Date(now + 3_600_000).toISOString(), ...info };
  await store.objects.put(layout.lock('kcm'), Buffer.from(JSON.stringify(lock)));
}

describe('a policy lock whose owner is gone', () => {
  it('is taken over at once when its owner ran on this host and its pid is gone', async () => {
    await plant({ owner: { host: hostname(), pid: deadPid(), engineId: 'engine-old' } });
    // The listing tells the (pure) plan, so the next tick schedules the backup without waiting for the lease.
    expect((await store.listInventory()).locks[0].ownerGone).toMatch(/not running/);
    const { observeLocks } = await import('../../src/plan/observed.ts');
    expect(observeLocks({ primary: await store.listInventory() }, new Date()).live.size).toBe(0);
    const lock = await store.acquireLock('kcm', 'engine-new', 60_000);
    expect(lock.info.holder).toBe('engine-new');
    expect(lines.some((l) => l.level === 40 && /took over/.test(l.msg) && /not running/.test(String(l.reason)))).toBe(true);
    await lock.release();
  });

  it('is taken over at once when its pid now belongs to another process (pid reused)', async () => {
    await plant({ owner: { host: hostname(), pid: process.pid, pidStart: 1, engineId: 'engine-old' } });
    const lock = await store.acquireLock('kcm', 'engine-new', 60_000);
    expect(lock.info.holder).toBe('engine-new');
    expect(lines.some((l) => /took over/.test(l.msg) && /reused/.test(String(l.reason)))).toBe(true);
    await lock.release();
  });

  it('is taken over at once when its heartbeat is stale, whatever host it came from', async () => {
    await plant({ owner: { host: 'another-host', pid: 1, engineId: 'engine-old' }, heartbeat: new Date(Date.now() - 10 * 60_000).toISOString(), staleAfterMs: 120_000 });
    const lock = await store.acquireLock('kcm', 'engine-new', 60_000);
    expect(lock.info.holder).toBe('engine-new');
    expect(lines.some((l) => /took over/.test(l.msg) && /heartbeat/.test(String(l.reason)))).toBe(true);
    await lock.release();
  });
});

describe('one backup at a time still holds', () => {
  it('a live owner on this host keeps its lock, and so does another host with a fresh heartbeat', async () => {
    const first = await store.acquireLock('kcm', 'engine-a', 60_000);
    expect(first.info.owner).toMatchObject({ host: hostname(), pid: process.pid, engineId: 'engine-a' });
    await expect(store.acquireLock('kcm', 'engine-b', 60_000)).rejects.toBeInstanceOf(LockHeldError);
    await first.release();
    await plant({ owner: { host: 'another-host', pid: 1, engineId: 'engine-old' }, heartbeat: new Date().toISOString(), staleAfterMs: 120_000 });
    await expect(store.acquireLock('kcm', 'engine-b', 60_000)).rejects.toBeInstanceOf(LockHeldError);
  });

  it('the holder renews its heartbeat while it works', async () => {
    const lock = await store.acquireLock('kcm', 'engine-a', 400); // lease 400 ms: renewed every 100 ms
    const read = async () => JSON.parse((await (await import('node:fs/promises')).readFile(join(dir, 'store', 'locks', 'kcm.json'), 'utf8')) as string) as LockInfo;
    const before = await read();
    await new Promise((r) => setTimeout(r, 900));
    const after = await read();
    expect(Date.parse(after.heartbeat!)).toBeGreaterThan(Date.parse(before.heartbeat!));
    expect(Date.parse(after.expires)).toBeGreaterThan(Date.now()); // still held past its first lease
    const err = await store.acquireLock('kcm', 'engine-b', 400).catch((e: unknown) => e);
    expect(err, JSON.stringify(lines)).toBeInstanceOf(LockHeldError);
    await lock.release();
  });
});
