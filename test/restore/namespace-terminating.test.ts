// Issue 13 item 5: restoring into a namespace that is being deleted. The simulator keeps a
// deleted namespace Terminating (for a while, or while it has finalizers) and refuses creates in
// it with the real 403 Status body; cairn classifies that by its cause, waits for the namespace
// to go and restores, or fails naming it with nothing written.
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterError } from '../../src/cluster/errors.ts';
import { cm, CM, NS, ns, startHarness, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('a namespace being deleted', () => {
  it('answers creates inside it with 403 Forbidden and a NamespaceTerminating cause, which cairn does not call RBAC', async () => {
    h = await startHarness({ objects: [{ ...ns('team-a'), metadata: { name: 'team-a', finalizers: ['example.com/hold'] } }], sim: { namespaceTerminationMs: 100 } });
    await h.client.delete(NS, undefined, 'team-a');
    const live = await h.get(NS, undefined, 'team-a');
    expect(live?.metadata.deletionTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect((live as { status?: { phase?: string } }).status?.phase).toBe('Terminating');

    const res = await fetch(`${h.sim.url}/api/v1/namespaces/team-a/configmaps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(cm('team-a', 'x', { a: '1' })),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "x" is forbidden: unable to create new content in namespace team-a because it is being terminated',
      reason: 'Forbidden',
      details: { name: 'x', kind: 'configmaps', causes: [{ reason: 'NamespaceTerminating', message: 'namespace team-a is being terminated', field: 'metadata.namespace' }] },
      code: 403,
    });

    const err = await h.client.create(CM, cm('team-a', 'x', { a: '1' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe('cluster.namespaceTerminating');
    expect((err as ClusterError).message).toContain('namespace "team-a" is being terminated');
    expect((err as ClusterError).message).not.toContain('grant');

    // The namespace controller is done, but a finalizer holds it; removing the last one lets it go.
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.get(NS, undefined, 'team-a'))?.metadata.deletionTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    await h.client.patch(NS, undefined, 'team-a', { metadata: { finalizers: null } }, 'merge');
    expect(await h.get(NS, undefined, 'team-a')).toBeUndefined();
  });

  it('a restore waits for it to go, then creates it and restores', async () => {
    h = await startHarness({ objects: [ns('team-a'), cm('team-a', 'settings', { mode: 'blue' })], sim: { namespaceTerminationMs: 1500 } });
    await h.backup('b1', { includedNamespaces: ['team-a'] });
    await h.client.delete(NS, undefined, 'team-a');
    expect((await h.get(NS, undefined, 'team-a'))?.metadata.deletionTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const result = await h.restore('r1', { backupName: 'b1' });
    expect(result.phase, JSON.stringify(result.errors)).toBe('Completed');
    expect(result.warnings.join('\n')).toContain('waited for namespace(s) team-a to finish terminating');
    const live = await h.get(NS, undefined, 'team-a');
    expect(live?.metadata.deletionTimestamp).toBeUndefined();
    expect((await h.get(CM, 'team-a', 'settings'))?.data).toEqual({ mode: 'blue' });
  });

  it('fails with "namespace X is still terminating" and writes nothing when it does not go in time', async () => {
    h = await startHarness({
      objects: [{ ...ns('team-a'), metadata: { name: 'team-a', finalizers: ['example.com/hold'] } }, ns('team-b'), cm('team-a', 'a', { k: '1' }), cm('team-b', 'b', { k: '2' })],
      sim: { namespaceTerminationMs: 100 },
    });
    await h.backup('b1', { includedNamespaces: ['team-a', 'team-b'] });
    await h.client.delete(NS, undefined, 'team-a');
    await h.client.delete(NS, undefined, 'team-b');

    const result = await h.restore('r1', { backupName: 'b1', namespaceTerminationTimeout: '1s' });
    expect(result.phase).toBe('Failed');
    expect(result.errors.join('\n')).toContain('namespace team-a is still terminating');
    expect(result.preRestoreBackup).toBeUndefined();
    // Nothing half-written: team-b (free to create) was not restored either.
    expect(await h.get(NS, undefined, 'team-b')).toBeUndefined();
    expect(await h.get(CM, 'team-b', 'b')).toBeUndefined();
  });

  it('a dry run says the namespace is terminating', async () => {
    h = await startHarness({ objects: [{ ...ns('team-a'), metadata: { name: 'team-a', finalizers: ['example.com/hold'] } }, cm('team-a', 'a', { k: '1' })], sim: { namespaceTerminationMs: 100 } });
    await h.backup('b1', { includedNamespaces: ['team-a'] });
    await h.client.delete(NS, undefined, 'team-a');
    const result = await h.restore('r1', { backupName: 'b1', dryRun: true });
    expect(result.warnings.join('\n')).toContain('namespace team-a is terminating');
  });
});
