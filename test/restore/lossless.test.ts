// Issue 13 item 3: every number passes backup → archive → modifiers → restore → diff exactly as
// the server sent it: int64 beyond 2^53 and floats in a custom resource, read back from the
// simulator's own bytes (not through cairn's parser).
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/cluster/types.ts';
import { parseExact, stringifyExact } from '../../src/exact-json.ts';
import { cm, ns, startHarness, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const crd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'counters.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'counters', singular: 'counter', kind: 'Counter', listKind: 'CounterList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};
const NS = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };

// The body as the client sends it: JSON text, so the simulator receives these exact digits.
const COUNTER_JSON =
  '{"apiVersion":"example.com/v1","kind":"Counter","metadata":{"name":"c1","namespace":"team-a"},' +
  '"spec":{"big":9007199254740993,"max":9223372036854775807,"min":-9223372036854775808,"ratio":0.1,"third":0.3333333333333333,"small":42,' +
  '"list":[9007199254740995,1.5e-7]}}';

/** The object's text as the simulator serves it: no cairn parsing in between. */
async function rawGet(h: Harness, path: string): Promise<string> {
  const res = await fetch(`${h.sim.url}${path}`);
  expect(res.status).toBe(200);
  return res.text();
}

async function createRaw(h: Harness, path: string, body: string): Promise<void> {
  const res = await fetch(`${h.sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status, await res.clone().text()).toBe(201);
}

describe('exact numbers', () => {
  it('parseExact/stringifyExact keep int64 and floats; JSON.parse would not', () => {
    const text = '{"a":9007199254740993,"b":-9223372036854775808,"c":0.1,"d":[18446744073709551616,1e-7]}';
    expect(stringifyExact(parseExact(text))).toBe('{"a":9007199254740993,"b":-9223372036854775808,"c":0.1,"d":[18446744073709551616,1e-7]}');
    expect(JSON.stringify(JSON.parse(text))).not.toBe(text); // the loss this guards against
    expect(parseExact('{"n":9007199254740991}')).toEqual({ n: 9007199254740991 }); // safe: a number
  });

  it('finds an integer beyond 2^53 wherever a number can stand, and leaves long digit runs inside strings to JSON.parse', () => {
    const big = 9007199254740993n;
    for (const text of ['9007199254740993', ' \n9007199254740993', '[9007199254740993]', '[1,\t9007199254740993]', '{"a":9007199254740993}', '{"a" :\r\n  9007199254740993}', '{"a":[ 1 , -9007199254740993 ]}']) {
      const v = parseExact(text);
      expect(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `big:${x}` : x)), text).toContain(text.includes('-') ? `big:-${big}` : `big:${big}`);
    }
    // Digit runs in strings (hashes, revisions, names) are not numbers: plain JSON.parse values.
    const manifest = '{"gitRevision":"0000000000000000000000000000000000000000","sha256":"1234567890123456789012345678901234567890123456789012345678901234","name":"p-20261121060000","size":1024}';
    expect(parseExact(manifest)).toEqual(JSON.parse(manifest));
    // Free text that looks like a number after a colon takes the exact path; the result is the same.
    expect(parseExact('{"note":"id: 12345678901234567890"}')).toEqual({ note: 'id: 12345678901234567890' });
  });

  it('backup → delete → restore keeps int64 and floats of a custom resource exactly', async () => {
    h = await startHarness({ objects: [crd, ns('team-a')] });
    await createRaw(h, '/apis/example.com/v1/namespaces/team-a/counters', COUNTER_JSON);
    await h.backup('b1', { includedNamespaces: ['team-a'] });
    await h.client.delete(NS, undefined, 'team-a');

    const result = await h.restore('r1', { backupName: 'b1' });
    expect(result.phase, JSON.stringify(result.errors)).toBe('Completed');
    const text = await rawGet(h, '/apis/example.com/v1/namespaces/team-a/counters/c1');
    expect(text).toContain('"big":9007199254740993');
    expect(text).toContain('"max":9223372036854775807');
    expect(text).toContain('"min":-9223372036854775808');
    expect(text).toContain('"ratio":0.1');
    expect(text).toContain('"third":0.3333333333333333');
    expect(text).toContain('"list":[9007199254740995,1.5e-7]');

    // The dry-run diff against what is there now: nothing differs.
    const again = await h.restore('r2', { backupName: 'b1', dryRun: true });
    const item = again.items.find((i) => i.name === 'c1');
    expect(item?.action).toBe('unchanged');
  });

  it('a live value off by one beyond 2^53 differs, and update restores the exact value', async () => {
    h = await startHarness({ objects: [crd, ns('team-a')] });
    await createRaw(h, '/apis/example.com/v1/namespaces/team-a/counters', COUNTER_JSON);
    await h.backup('b1', { includedNamespaces: ['team-a'] });
    // 9007199254740992 and 9007199254740993 are the same double: JSON.parse cannot tell them apart.
    const patch = await fetch(`${h.sim.url}/apis/example.com/v1/namespaces/team-a/counters/c1`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: '{"spec":{"big":9007199254740992}}',
    });
    expect(patch.status).toBe(200);

    const dry = await h.restore('r1', { backupName: 'b1', dryRun: true, existingResourcePolicy: 'update' });
    const planned = dry.items.find((i) => i.name === 'c1');
    expect(planned?.action).toBe('update');
    expect(planned?.diff).toEqual([{ path: '/spec/big', op: 'replace', old: 9007199254740992n, new: 9007199254740993n }]);

    const result = await h.restore('r2', { backupName: 'b1', existingResourcePolicy: 'update' });
    expect(result.items.find((i) => i.name === 'c1')?.action).toBe('updated');
    expect(await rawGet(h, '/apis/example.com/v1/namespaces/team-a/counters/c1')).toContain('"big":9007199254740993');
    // The stored result (result.json.gz) holds the exact digits too.
    expect(stringifyExact(result)).toContain('"new":9007199254740993');
  });

  it('resource modifier values beyond 2^53 apply exactly (patches, test, merge and strategic patches)', async () => {
    h = await startHarness({ objects: [crd, ns('team-a'), cm('team-a', 'plain', { a: '1' })] });
    await createRaw(h, '/apis/example.com/v1/namespaces/team-a/counters', COUNTER_JSON);
    await h.backup('b1', { includedNamespaces: ['team-a'] });
    await h.client.delete(NS, undefined, 'team-a');

    const result = await h.restore(
      'r1',
      { backupName: 'b1', resourceModifier: 'm' },
      {
        version: 'v1',
        resourceModifierRules: [
          {
            conditions: { groupResource: 'counters.example.com', matches: [{ path: '/spec/big', value: '9007199254740993' }] },
            patches: [
              { operation: 'test', path: '/spec/max', value: '9223372036854775807' },
              { operation: 'replace', path: '/spec/small', value: '9223372036854775806' },
              { operation: 'add', path: '/spec/obj', value: '{"n":9007199254740997,"f":0.1}' },
            ],
          },
          { conditions: { groupResource: 'counters.example.com' }, mergePatches: [{ patchData: '{"spec":{"merged":9007199254740999}}' }] },
          // A test that must fail: 9007199254740992 is not 9007199254740993, though JSON.parse says it is.
          { conditions: { groupResource: 'counters.example.com' }, patches: [{ operation: 'test', path: '/spec/big', value: '9007199254740992' }, { operation: 'add', path: '/spec/wrong', value: 'true' }] },
        ],
      },
    );
    expect(result.phase, JSON.stringify([result.errors, result.items])).toBe('Completed');
    const text = await rawGet(h, '/apis/example.com/v1/namespaces/team-a/counters/c1');
    expect(text).toContain('"small":9223372036854775806');
    expect(text).toContain('"obj":{"n":9007199254740997,"f":0.1}');
    expect(text).toContain('"merged":9007199254740999');
    expect(text).not.toContain('"wrong"');
    expect(text).toContain('"big":9007199254740993');
  });
});

describe('exact numbers in modifier files', () => {
  it('an unquoted integer beyond 2^53 in a modifiers YAML keeps its digits', async () => {
    const { parseYamlText } = await import('../../src/api/yaml-source.ts');
    const { parseModifiersDocument } = await import('../../src/api/modifiers-file.ts');
    const text = [
      'version: v1',
      'resourceModifierRules:',
      '- conditions: {groupResource: counters.example.com, matches: [{path: /spec/big, value: 9007199254740993}]}',
      '  patches: [{operation: replace, path: /spec/small, value: 9223372036854775807}]',
      '',
    ].join('\n');
    const parsed = parseYamlText(text, 'modifiers/m.yaml');
    const doc = parseModifiersDocument(parsed.docs[0].value, 'modifiers/m.yaml', parsed.docs[0].locator);
    expect(doc.errors).toEqual([]);
    expect(doc.spec?.resourceModifierRules[0].patches?.[0].value).toBe('9223372036854775807');
    expect(doc.spec?.resourceModifierRules[0].conditions.matches?.[0].value).toBe('9007199254740993');
  });
});

describe('exact numbers through a copy patch', () => {
  it('copy and move of a subtree holding an int64 keep it exact', async () => {
    const { compileJsonPatch } = await import('../../src/modifiers/json-patch.ts');
    const patch = compileJsonPatch(
      [
        { operation: 'copy', from: '/spec', path: '/copy' },
        { operation: 'move', from: '/spec/big', path: '/moved' },
      ],
      'rule',
    );
    const out = patch.apply({ spec: { big: 9007199254740993n, n: 1 } });
    expect(out).toEqual({ kind: 'patched', object: { spec: { n: 1 }, copy: { big: 9007199254740993n, n: 1 }, moved: 9007199254740993n } });
    expect(() => compileJsonPatch([{ operation: 'copy', from: '/missing', path: '/x' }], 'rule').apply({})).toThrow('/missing');
  });
});
