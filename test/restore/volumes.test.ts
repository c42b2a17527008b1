// Issue 13 item 4: a namespace-scoped backup takes the PersistentVolume bound to each claim it
// takes (Velero's rule); a restore clears a PV's stale claimRef uid so the claim binds again; a
// live PV with a stale claimRef is never "unchanged". The simulator binds PVs and PVCs as the PV
// controller does (claimRef uid, Released on a stale uid).
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.ts';
import { NS, ns, startHarness, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const PV = { group: '', version: 'v1', resource: 'persistentvolumes', namespaced: false };
const PVC = { group: '', version: 'v1', resource: 'persistentvolumeclaims', namespaced: true };

const pv = (name: string, claim?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: {
    capacity: { storage: '1Gi' },
    accessModes: ['ReadWriteOnce'],
    persistentVolumeReclaimPolicy: 'Retain',
    hostPath: { path: `/data/${name}` },
    ...(claim ? { claimRef: { kind: 'PersistentVolumeClaim', namespace: 'team-a', name: claim } } : {}),
  },
});
const pvc: KubeObject = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'team-a' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'pv-data' },
};
const phase = (o: KubeObject | undefined) => (o as { status?: { phase?: string } } | undefined)?.status?.phase;
const claimUid = (o: KubeObject | undefined) => (o?.spec as { claimRef?: { uid?: string } } | undefined)?.claimRef?.uid;

describe('persistent volumes', () => {
  it('the simulator binds a pre-bound PV and PVC, and releases the PV when the claim goes', async () => {
    h = await startHarness({ objects: [ns('team-a'), pv('pv-data', 'data'), pvc] });
    const claim = await h.get(PVC, 'team-a', 'data');
    const vol = await h.get(PV, undefined, 'pv-data');
    expect(phase(vol)).toBe('Bound');
    expect(phase(claim)).toBe('Bound');
    expect(claimUid(vol)).toBe(claim?.metadata.uid);
    await h.client.delete(PVC, 'team-a', 'data');
    expect(phase(await h.get(PV, undefined, 'pv-data'))).toBe('Released');
  });

  it('a namespace-scoped backup takes the PV bound to an included claim, and no other', async () => {
    h = await startHarness({ objects: [ns('team-a'), pv('pv-data', 'data'), pv('pv-other'), pvc] });
    const auto = await h.backup('b1', { includedNamespaces: ['team-a'] });
    expect(auto.itemCounts).toMatchObject({ persistentvolumes: 1, persistentvolumeclaims: 1 });
    const none = await h.backup('b2', { includedNamespaces: ['team-a'], includeClusterResources: false });
    expect(none.itemCounts.persistentvolumes).toBeUndefined();
    const excluded = await h.backup('b3', { includedNamespaces: ['team-a'], excludedResources: ['persistentvolumes'] });
    expect(excluded.itemCounts.persistentvolumes).toBeUndefined();
  });

  it('restores into a fresh cluster with claimRef.uid cleared, so the claim binds', async () => {
    h = await startHarness({ objects: [ns('team-a'), pv('pv-data', 'data'), pvc] });
    await h.backup('b1', { includedNamespaces: ['team-a'] });
    await h.client.delete(NS, undefined, 'team-a');
    await h.client.delete(PV, undefined, 'pv-data');
    const result = await h.restore('r1', { backupName: 'b1' });
    expect(result.phase, JSON.stringify(result.errors)).toBe('Completed');
    expect(phase(await h.get(PVC, 'team-a', 'data'))).toBe('Bound');
    expect(phase(await h.get(PV, undefined, 'pv-data'))).toBe('Bound');
  });

  it('a live PV with a stale claimRef is reported as differing, with why; update clears it and the claim binds', async () => {
    h = await startHarness({ objects: [ns('team-a'), pv('pv-data', 'data'), pvc] });
    await h.backup('b1', { includedNamespaces: ['team-a'] });
    const oldUid = claimUid(await h.get(PV, undefined, 'pv-data'));
    await h.client.delete(NS, undefined, 'team-a'); // the claim goes, the Retain volume stays Released

    const skip = await h.restore('r1', { backupName: 'b1' });
    const item = skip.items.find((i) => i.groupResource === 'persistentvolumes');
    expect(item).toMatchObject({ action: 'skipped', differs: true });
    expect(item?.reason).toContain(`claimRef names claim team-a/data with uid ${oldUid}`);
    expect(item?.diff?.[0]).toEqual({ path: '/spec/claimRef/uid', op: 'remove', old: oldUid });
    // The restored claim cannot bind to the Released volume.
    expect(phase(await h.get(PVC, 'team-a', 'data'))).toBe('Pending');

    const dry = await h.restore('r2', { backupName: 'b1', existingResourcePolicy: 'update', dryRun: true });
    expect(dry.items.find((i) => i.groupResource === 'persistentvolumes')?.action).toBe('update');

    const update = await h.restore('r3', { backupName: 'b1', existingResourcePolicy: 'update' });
    expect(update.items.find((i) => i.groupResource === 'persistentvolumes')?.action).toBe('updated');
    const claim = await h.get(PVC, 'team-a', 'data');
    expect(phase(claim)).toBe('Bound');
    expect(claimUid(await h.get(PV, undefined, 'pv-data'))).toBe(claim?.metadata.uid);
  });
});
