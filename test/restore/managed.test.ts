// Issue 13 item 6: objects a controller owns and recreates (EndpointSlices of the endpointslice
// controller, Endpoints of Services with a selector) stay in the backup but a restore skips them,
// saying which controller manages them. The simulator runs both controllers for Services.
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.ts';
import { renderRestoreText } from '../../src/restore/report.ts';
import { NS, ns, startHarness, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SLICES = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', namespaced: true };
const EP = { group: '', version: 'v1', resource: 'endpoints', namespaced: true };

const web: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'team-a' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } };
const external: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'team-a' }, spec: { ports: [{ port: 5432 }] } };
// A selector-less Service's Endpoints are the user's own.
const externalEndpoints: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'db', namespace: 'team-a' }, subsets: [{ addresses: [{ ip: '10.9.8.7' }], ports: [{ port: 5432 }] }] };

async function slicesOf(h: Harness, service: string): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for await (const s of h.client.list(SLICES, { namespace: 'team-a', labelSelector: `kubernetes.io/service-name=${service}` })) out.push(s);
  return out;
}

describe('controller-owned objects', () => {
  it('the simulator makes the Endpoints and EndpointSlice of a Service with a selector', async () => {
    h = await startHarness({ objects: [ns('team-a'), web] });
    const [slice] = await slicesOf(h, 'web');
    expect(slice.metadata.labels).toMatchObject({ 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(slice.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(await h.get(EP, 'team-a', 'web')).toBeDefined();
  });

  it('are backed up, and a restore skips them as "managed by <controller>" while restoring the user\'s endpoints', async () => {
    h = await startHarness({ objects: [ns('team-a'), web, external, externalEndpoints] });
    const [original] = await slicesOf(h, 'web');
    const manifest = await h.backup('b1', { includedNamespaces: ['team-a'] });
    expect(manifest.itemCounts).toMatchObject({ 'endpointslices.discovery.k8s.io': 1, endpoints: 2, services: 2 });
    await h.client.delete(NS, undefined, 'team-a');

    const result = await h.restore('r1', { backupName: 'b1' });
    expect(result.phase, JSON.stringify(result.errors)).toBe('Completed');
    const by = (gr: string, name: string) => result.items.find((i) => i.groupResource === gr && i.name === name);
    expect(by('endpointslices.discovery.k8s.io', original.metadata.name)).toMatchObject({ action: 'skipped', reason: 'managed by endpointslice-controller.k8s.io', namespace: 'team-a' });
    expect(by('endpoints', 'web')).toMatchObject({ action: 'skipped', reason: 'managed by endpoint-controller' });
    expect(by('endpoints', 'db')).toMatchObject({ action: 'created' });
    expect(by('services', 'web')).toMatchObject({ action: 'created' });
    expect(result.counts).toMatchObject({ skipped: 2, failed: 0 });
    expect(renderRestoreText(result)).toContain(`skipped   endpointslices.discovery.k8s.io/team-a/${original.metadata.name}: managed by endpointslice-controller.k8s.io`);

    // The controller made its own again; the stale copy was not restored beside it.
    const now = await slicesOf(h, 'web');
    expect(now).toHaveLength(1);
    expect(now[0].metadata.name).not.toBe(original.metadata.name);
    expect((await h.get(EP, 'team-a', 'db')) as unknown).toMatchObject({ subsets: externalEndpoints.subsets });
  });

  it('a dry run plans them as skip with the same reason', async () => {
    h = await startHarness({ objects: [ns('team-a'), web] });
    await h.backup('b1', { includedNamespaces: ['team-a'] });
    await h.client.delete(NS, undefined, 'team-a');
    const result = await h.restore('r1', { backupName: 'b1', dryRun: true });
    expect(result.items.find((i) => i.groupResource === 'endpoints')).toMatchObject({ action: 'skip', reason: 'managed by endpoint-controller' });
  });
});
