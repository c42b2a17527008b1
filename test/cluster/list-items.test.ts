// listItems: each object's bytes exactly as the server sent them (apiVersion and kind put in
// front when the list left them out), against the simulator and against a server answering
// with hand-written bodies (pretty-printed, big integers, malformed).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator, type Simulator } from '../../src/sim/index.ts';
import { connectCluster, ClusterError, type ClusterClient } from '../../src/cluster/connect.ts';
import type { ListedItem } from '../../src/cluster/client.ts';
import type { KubeObject } from '../../src/cluster/types.ts';

const CONFIGMAPS = { group: '', version: 'v1', resource: 'configmaps', namespaced: true, kind: 'ConfigMap' };
const WIDGETS = { group: 'example.com', version: 'v1', resource: 'widgets', namespaced: true, kind: 'Widget' };

function documentOf(item: ListedItem): string {
  return Buffer.concat([item.head, item.body]).toString('utf8');
}

async function all(it: AsyncIterable<ListedItem[]>, pages: number[] = []): Promise<ListedItem[]> {
  const out: ListedItem[] = [];
  for await (const page of it) {
    pages.push(page.length);
    out.push(...page);
  }
  return out;
}

function kubeconfigFor(server: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{ name: canned, cluster: { server: "' + server + '", insecure-skip-tls-verify: true } }]',
    'users: [{ name: canned, user: { token: not-a-secret } }]',
    'contexts: [{ name: canned, context: { cluster: canned, user: canned } }]',
    'current-context: canned',
  ].join('\n');
}

describe('listItems against the simulator', () => {
  let sim: Simulator;
  let client: ClusterClient;

  beforeAll(async () => {
    const objects: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'items' } }];
    for (let i = 0; i < 730; i++) {
      objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'items', labels: { n: String(i % 3) } }, data: { text: `line "${i}"\n\u00e9\u4e2d` } });
    }
    sim = await startSimulator({ objects });
    client = await connectCluster({ kubeconfigYaml: sim.kubeconfig() });
  });

  afterAll(async () => {
    client?.close();
    await sim?.stop();
  });

  it('yields every object, its document equal to the object list() gives, over several pages', async () => {
    sim.resetStats();
    const pages: number[] = [];
    const items = await all(client.listItems(CONFIGMAPS, { namespace: 'items', limit: 200 }), pages);
    expect(sim.stats.byVerb.list).toBe(4);
    expect(pages).toEqual([200, 200, 200, 130]); // one array per page
    const listed = new Map<string, KubeObject>();
    for await (const obj of client.list(CONFIGMAPS, { namespace: 'items', limit: 200 })) listed.set(obj.metadata.name, obj);
    expect(items).toHaveLength(730);
    for (const item of items) {
      const doc = JSON.parse(documentOf(item)) as KubeObject;
      expect(doc).toEqual(listed.get(item.object.metadata.name));
      // apiVersion and kind lead the document, as in an object read on its own.
      expect(documentOf(item).startsWith('{"apiVersion":"v1","kind":"ConfigMap",')).toBe(true);
    }
  });

  it('requests the next two pages while the caller is still on one, and no more', async () => {
    sim.resetStats();
    const pages = client.listItems(CONFIGMAPS, { namespace: 'items', limit: 100 })[Symbol.asyncIterator]();
    const first = await pages.next();
    expect(first.value).toHaveLength(100);
    // The caller sits on page 1: pages 2 and 3 are fetched meanwhile, page 4 waits for room.
    await vi.waitFor(() => expect(sim.stats.byVerb.list).toBe(3));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.stats.byVerb.list).toBe(3);
    const sizes = [first.value.length];
    for (let page = await pages.next(); !page.done; page = await pages.next()) sizes.push(page.value.length);
    expect(sizes).toEqual([100, 100, 100, 100, 100, 100, 100, 30]);
    expect(sim.stats.byVerb.list).toBe(8);
  });

  it('gives only what selection reads unless asked for the whole object', async () => {
    const [light] = await all(client.listItems(CONFIGMAPS, { namespace: 'items', fieldSelector: 'metadata.name=cm-4' }));
    expect(light.object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-4', namespace: 'items', labels: { n: '1' } } });
    const [full] = await all(client.listItems(CONFIGMAPS, { namespace: 'items', fieldSelector: 'metadata.name=cm-4', full: true }));
    expect(full.object.data).toEqual({ text: 'line "4"\n\u00e9\u4e2d' });
    expect(full.object.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(full.object.kind).toBe('ConfigMap');
  });
});

describe('listItems against hand-written answers', () => {
  let server: http.Server;
  let client: ClusterClient;
  const bodies = new Map<string, string>();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = bodies.get(`${url.pathname}?${url.searchParams.get('continue') ?? ''}`);
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(body ?? JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'not here' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = await connectCluster({ kubeconfigYaml: kubeconfigFor(`http://127.0.0.1:${port}`), retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  });

  afterAll(async () => {
    client?.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('keeps the bytes as sent: pretty printing, integers beyond 2^53, an object that brings its own apiVersion and kind', async () => {
    const first = [
      '{',
      '  "kind": "WidgetList", "apiVersion": "example.com/v1",',
      '  "metadata": { "continue": "page-2", "resourceVersion": "7" },',
      '  "items": [',
      '    { "apiVersion": "example.com/v1", "kind": "Widget",',
      '      "metadata": { "name": "big", "namespace": "ns", "labels": { "size": "xl" } },',
      '      "spec": { "count": 12345678901234567890, "ratio": 1.5e-3 } },',
      '    {"metadata":{"name":"plain","namespace":"ns"},"spec":{"list":[1,2,{"name":"not-me"}]}}',
      '  ]',
      '}',
    ].join('\n');
    const second = '{"kind":"WidgetList","apiVersion":"example.com/v1","metadata":{},"items":[{}]}';
    bodies.set('/apis/example.com/v1/namespaces/ns/widgets?', first);
    bodies.set('/apis/example.com/v1/namespaces/ns/widgets?page-2', second);

    const items = await all(client.listItems(WIDGETS, { namespace: 'ns' }));
    expect(items.map((i) => i.object.metadata.name)).toEqual(['big', 'plain', undefined]);
    expect(items[0].head).toHaveLength(0);
    expect(documentOf(items[0])).toBe(
      ['{ "apiVersion": "example.com/v1", "kind": "Widget",', '      "metadata": { "name": "big", "namespace": "ns", "labels": { "size": "xl" } },', '      "spec": { "count": 12345678901234567890, "ratio": 1.5e-3 } }'].join('\n'),
    );
    expect(items[0].object.metadata.labels).toEqual({ size: 'xl' });
    expect(documentOf(items[1])).toBe('{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"plain","namespace":"ns"},"spec":{"list":[1,2,{"name":"not-me"}]}}');
    expect(documentOf(items[2])).toBe('{"apiVersion":"example.com/v1","kind":"Widget"}');
  });

  it('turns a malformed answer into a ClusterError naming the list and the byte', async () => {
    bodies.set('/apis/example.com/v1/namespaces/bad/widgets?', '{"kind":"WidgetList","items":[{"metadata":{"name":"x"}},{"metadata":{"name":"y"}]}');
    const err = await all(client.listItems(WIDGETS, { namespace: 'bad' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe('cluster.http');
    expect((err as Error).message).toMatch(/list widgets\.example\.com.*namespace "?bad"?.*not a list.*at byte \d+/);
  });

  it('rejects an answer whose items are not objects', async () => {
    bodies.set('/apis/example.com/v1/namespaces/odd/widgets?', '{"kind":"WidgetList","items":[1,2]}');
    const err = await all(client.listItems(WIDGETS, { namespace: 'odd' })).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/each of "items" must be an object at byte 30/);
  });

  it('reports a group version the server marks stale in aggregated discovery, and uses the rest', async () => {
    const resource = (name: string, kind: string, scope: string) => ({ resource: name, responseKind: { group: '', version: 'v1', kind }, scope, verbs: ['get', 'list', 'create'] });
    bodies.set('/api?', JSON.stringify({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', items: [{ metadata: {}, versions: [{ version: 'v1', resources: [resource('configmaps', 'ConfigMap', 'Namespaced')], freshness: 'Current' }] }] }));
    bodies.set('/apis?', JSON.stringify({
      kind: 'APIGroupDiscoveryList',
      apiVersion: 'apidiscovery.k8s.io/v2',
      items: [
        { metadata: { name: 'metrics.k8s.io' }, versions: [{ version: 'v1beta1', resources: [], freshness: 'Stale' }] },
        { metadata: { name: 'example.com' }, versions: [{ version: 'v2', resources: [{ ...resource('widgets', 'Widget', 'Namespaced'), verbs: ['get'] }] }, { version: 'v1', resources: [] }] },
        { metadata: { name: 'other.example.com' }, versions: [{ version: 'v1', resources: [resource('gadgets', 'Gadget', 'Cluster')] }] },
      ],
    }));
    const d = await client.discovery();
    expect(d.failed).toEqual([{ groupVersion: 'metrics.k8s.io/v1beta1', error: 'the API server reports its discovery as stale' }]);
    // widgets cannot be listed at the preferred version (v2): left out, like any resource without list.
    expect(d.resources.map((r) => `${r.groupResource} ${r.version} ${r.namespaced}`)).toEqual(['configmaps v1 true', 'gadgets.other.example.com v1 false']);
  });
});
