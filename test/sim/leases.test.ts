// coordination.k8s.io/v1 Leases through the unchanged client-node, with the apiserver's
// optimistic concurrency: the answers a leader-election loop depends on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { harness, apiError, type Harness } from './helpers.ts';

let h: Harness;
let leases: k8s.CoordinationV1Api;
beforeAll(async () => {
  h = await harness({ objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cairn' } }] });
  leases = h.kc.makeApiClient(k8s.CoordinationV1Api);
});
afterAll(async () => {
  await h.sim.stop();
});

function lease(name: string, holder: string): k8s.V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'cairn' },
    spec: { holderIdentity: holder, leaseDurationSeconds: 15, acquireTime: new Date(), renewTime: new Date(), leaseTransitions: 0 },
  };
}

describe('Leases', () => {
  it('are served in discovery under coordination.k8s.io/v1', async () => {
    const res = await h.raw('GET', '/apis/coordination.k8s.io/v1');
    expect(res.body.resources).toContainEqual(expect.objectContaining({ name: 'leases', kind: 'Lease', namespaced: true }));
  });

  it('round-trip MicroTime and let exactly one of two racing updates win (409 for the stale one)', async () => {
    const body = lease('race', 'a');
    const created = await leases.createNamespacedLease({ namespace: 'cairn', body });
    expect(new Date(String(created.spec!.renewTime)).getTime()).toBe(new Date(body.spec!.renewTime!).getTime());
    const rv = created.metadata!.resourceVersion!;
    // Two candidates read the same version and both try to take the Lease.
    const mine = structuredClone(created);
    mine.spec!.holderIdentity = 'b';
    const theirs = structuredClone(created);
    theirs.spec!.holderIdentity = 'c';
    const won = await leases.replaceNamespacedLease({ name: 'race', namespace: 'cairn', body: mine });
    expect(won.spec!.holderIdentity).toBe('b');
    expect(won.metadata!.resourceVersion).not.toBe(rv);
    const lost = await apiError(() => leases.replaceNamespacedLease({ name: 'race', namespace: 'cairn', body: theirs }));
    expect(lost.code).toBe(409);
    expect(lost.body.reason).toBe('Conflict');
    expect((await leases.readNamespacedLease({ name: 'race', namespace: 'cairn' })).spec!.holderIdentity).toBe('b');
  });

  it('refuse an unconditional update (the Lease strategy requires resourceVersion)', async () => {
    await leases.createNamespacedLease({ namespace: 'cairn', body: lease('bare', 'a') });
    const body = lease('bare', 'b');
    const err = await h.raw('PUT', '/apis/coordination.k8s.io/v1/namespaces/cairn/leases/bare', body);
    expect(err.status).toBe(422);
    expect(err.body.details.causes).toEqual([expect.objectContaining({ field: 'metadata.resourceVersion' })]);
    // A ConfigMap, by contrast, may be replaced without one.
    await h.core.createNamespacedConfigMap({ namespace: 'cairn', body: { metadata: { name: 'free' }, data: { a: '1' } } });
    const cm = await h.raw('PUT', '/api/v1/namespaces/cairn/configmaps/free', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'free' }, data: { a: '2' } });
    expect(cm.status).toBe(200);
  });

  it('validate the spec as ValidateLeaseSpec does', async () => {
    const bad = lease('bad', 'a');
    bad.spec!.leaseDurationSeconds = 0;
    bad.spec!.leaseTransitions = -1;
    const err = await apiError(() => leases.createNamespacedLease({ namespace: 'cairn', body: bad }));
    expect(err.code).toBe(422);
    expect(err.body.details.causes.map((c: any) => c.field)).toEqual(['spec.leaseDurationSeconds', 'spec.leaseTransitions']);
    const time = await h.raw('POST', '/apis/coordination.k8s.io/v1/namespaces/cairn/leases', { ...lease('t', 'a'), spec: { renewTime: 'yesterday' } });
    expect(time.status).toBe(400);
    expect(time.body.message).toMatch(/spec\.renewTime/);
  });
});
