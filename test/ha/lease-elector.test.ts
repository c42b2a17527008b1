// The Lease loop against the simulator's conflict semantics, through cairn's own cluster client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import { connectCluster, type ClusterClient } from '../../src/cluster/connect.ts';
import { LeaseElector, LEASE_RESOURCE, checkTiming, DEFAULT_TIMING } from '../../src/ha/lease-elector.ts';

let sim: Simulator;
let client: ClusterClient;
// Short, yet long enough that a loaded machine does not lose a Lease by mere slowness; the
// assertions below hold even if it does (a lost-and-retaken term only adds events before the cut).
const timing = { leaseDurationMs: 2000, renewDeadlineMs: 1400, retryPeriodMs: 200 };

beforeAll(async () => {
  sim = await startSimulator({ objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cairn' } }] });
  client = await connectCluster({ kubeconfigYaml: sim.kubeconfig(), retry: { attempts: 1 } });
});
afterAll(async () => {
  client.close();
  await sim.stop();
});

function elector(name: string, identity: string): LeaseElector {
  return new LeaseElector({ client, namespace: 'cairn', name, identity, ...timing });
}

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function spec(name: string): Promise<Record<string, any>> {
  return ((await client.get(LEASE_RESOURCE, 'cairn', name)) as any).spec;
}

describe('LeaseElector', () => {
  it('checks its timing the way client-go does', () => {
    expect(checkTiming(DEFAULT_TIMING)).toBeUndefined();
    expect(checkTiming({ ...DEFAULT_TIMING, renewDeadlineMs: 15_000 })).toMatch(/lease-duration must be greater/);
    expect(checkTiming({ ...DEFAULT_TIMING, retryPeriodMs: 9_000 })).toMatch(/1\.2 x/);
    expect(checkTiming({ ...DEFAULT_TIMING, leaseDurationMs: 500, renewDeadlineMs: 200, retryPeriodMs: 50 })).toMatch(/at least 1s/);
  });

  it('lets exactly one of several racing candidates take a free Lease', async () => {
    const candidates = ['a', 'b', 'c', 'd'].map((id) => elector('race', id));
    const now = Date.now();
    const won = await Promise.all(candidates.map((c) => c.tryAcquireOrRenew(now)));
    expect(won.filter(Boolean)).toHaveLength(1);
    const winner = candidates[won.indexOf(true)].identity;
    expect((await spec('race')).holderIdentity).toBe(winner);
    // The others see it held and, until it expires by their own clock, do not write.
    const again = await Promise.all(candidates.map((c) => c.tryAcquireOrRenew(Date.now())));
    expect(again.map((w, i) => w && candidates[i].identity)).toEqual(candidates.map((c) => (c.identity === winner ? winner : false)));
  });

  it('a partitioned holder stops leading before anyone else can take over', async () => {
    const events: string[] = [];
    const a = elector('part', 'a');
    const b = elector('part', 'b');
    a.on((e) => events.push(`a ${e.type}`));
    b.on((e) => events.push(`b ${e.type}`));
    const stop = new AbortController();
    const runs = [a.run(stop.signal)];
    await until(() => a.isLeader(), 'a to lead');
    runs.push(b.run(stop.signal));
    await until(async () => (await spec('part')).renewTime !== undefined, 'a renewal');
    expect(b.isLeader()).toBe(false);
    let term: AbortSignal | undefined;
    a.on((e) => e.type === 'started' && (term = e.term));
    const before = events.length;
    a.paused = true; // a can no longer reach the apiserver
    await until(() => b.isLeader(), 'b to take over');
    // a's term ended (its signal aborted) strictly before b's began, and they never overlapped.
    expect(events.slice(before)).toEqual(['a stopped', 'b started']);
    expect(events.filter((e) => e.startsWith('b '))).toEqual(['b started']);
    expect(a.isLeader()).toBe(false);
    expect(term).toBeUndefined(); // a did not start a new term while cut off
    const s = await spec('part');
    expect(s.holderIdentity).toBe('b');
    expect(s.leaseTransitions).toBe(1);
    stop.abort();
    await Promise.all(runs);
  });

  it('stops leading by the renew deadline when the API server fails every renewal, and leads again once it answers', async () => {
    const a = elector('outage', 'a');
    const events: string[] = [];
    a.on((e) => events.push(e.type));
    const stop = new AbortController();
    const run = a.run(stop.signal);
    await until(() => a.isLeader(), 'a to lead');
    sim.faults.failNext = [{ status: 503, count: 1_000_000, groupResource: 'leases.coordination.k8s.io' }];
    let during: string[];
    try {
      await until(() => events.at(-1) === 'stopped', 'a to stop leading');
      // Nothing answers, so no new term can start while the outage lasts.
      await new Promise((r) => setTimeout(r, 500));
      during = [...events];
      expect(a.isLeader()).toBe(false);
    } finally {
      sim.faults.failNext = [];
    }
    expect(during.at(-1)).toBe('stopped');
    // Nobody took the Lease meanwhile; a renews it and starts a new term.
    await until(() => a.isLeader(), 'a to lead again');
    expect(events.slice(during.length)).toEqual(['started']);
    expect((await spec('outage')).holderIdentity).toBe('a');
    stop.abort();
    await run;
  });

  it('releases on shutdown so a standby takes over without waiting for expiry', async () => {
    const a = elector('release', 'a');
    const stopA = new AbortController();
    const runA = a.run(stopA.signal);
    await until(() => a.isLeader(), 'a to lead');
    const b = new LeaseElector({ client, namespace: 'cairn', name: 'release', identity: 'b', leaseDurationMs: 60_000, renewDeadlineMs: 700, retryPeriodMs: 100 });
    const stopB = new AbortController();
    const runB = b.run(stopB.signal);
    await until(async () => (await spec('release')).holderIdentity === 'a' && !b.isLeader(), 'b to observe a');
    stopA.abort();
    await runA;
    expect((await spec('release')).holderIdentity).not.toBe('a');
    // b's lease duration is a minute: only the release lets it in this soon.
    await until(() => b.isLeader(), 'b to lead after the release', 10_000);
    stopB.abort();
    await runB;
  });
});
