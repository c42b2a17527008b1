// The one-pass list scanner (src/cluster/list-scan.ts) against JSON.parse: the fields it picks,
// the byte spans it reports, and that it accepts exactly the bodies JSON.parse accepts (and that
// are lists of objects).
import { describe, expect, it } from 'vitest';
import { ListScanError, scanList, scanListHead, type ScannedItem, type ScannedList } from '../../src/cluster/list-scan.ts';
import { prng } from '../support/prng.ts';

const buf = (s: string) => Buffer.from(s, 'utf8');

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What the scan must pick from an item, read off JSON.parse's tree. */
function expectedPicks(item: Record<string, unknown>): Omit<ScannedItem, 'start' | 'end'> {
  const out: Omit<ScannedItem, 'start' | 'end'> = {};
  if (typeof item.apiVersion === 'string') out.apiVersion = item.apiVersion;
  if (typeof item.kind === 'string') out.kind = item.kind;
  const meta = item.metadata;
  if (isPlainObject(meta)) {
    if (typeof meta.name === 'string') out.name = meta.name;
    if (typeof meta.namespace === 'string') out.namespace = meta.namespace;
    if (isPlainObject(meta.labels)) out.labels = meta.labels as Record<string, string>;
    if (typeof meta.deletionTimestamp === 'string') out.deletionTimestamp = meta.deletionTimestamp;
  }
  return out;
}

/** Strips undefined fields so toEqual compares only what is present. */
function picks(it: ScannedItem): Omit<ScannedItem, 'start' | 'end'> {
  const { start: _s, end: _e, ...rest } = it;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) out[k] = v;
  return out;
}

/** Checks a scan of `body` against JSON.parse: same items, spans that parse to them, same picks. */
function checkAgainstParse(body: Buffer, scanned: ScannedList): void {
  const parsed = JSON.parse(body.toString('utf8')) as { items: Array<Record<string, unknown>>; metadata?: Record<string, unknown> };
  expect(scanned.items).toHaveLength(parsed.items.length);
  scanned.items.forEach((it, k) => {
    expect(it.start).toBeGreaterThanOrEqual(0);
    expect(it.end).toBeLessThanOrEqual(body.length);
    expect(body[it.start]).toBe(0x7b); // "{"
    expect(body[it.end - 1]).toBe(0x7d); // "}"
    expect(JSON.parse(body.subarray(it.start, it.end).toString('utf8'))).toEqual(parsed.items[k]);
    expect(picks(it)).toEqual(expectedPicks(parsed.items[k]));
  });
  const meta = isPlainObject(parsed.metadata) ? parsed.metadata : {};
  expect(scanned.continue).toBe(typeof meta.continue === 'string' ? meta.continue : undefined);
  expect(scanned.resourceVersion).toBe(typeof meta.resourceVersion === 'string' ? meta.resourceVersion : undefined);
}

function scanError(body: Buffer): ListScanError {
  try {
    scanList(body);
  } catch (err) {
    expect(err).toBeInstanceOf(ListScanError);
    return err as ListScanError;
  }
  throw new Error(`scanList accepted ${JSON.stringify(body.toString('utf8'))}`);
}

function expectScanError(body: Buffer): ListScanError {
  const err = scanError(body);
  expect(err.name).toBe('ListScanError');
  expect(err.message).toMatch(/ at byte \d+$/);
  expect(err.message.endsWith(`at byte ${err.offset}`)).toBe(true);
  expect(Number.isInteger(err.offset)).toBe(true);
  expect(err.offset).toBeGreaterThanOrEqual(0);
  expect(err.offset).toBeLessThanOrEqual(body.length);
  return err;
}

// ---------------------------------------------------------------------------------------------
// A realistic list

const configMaps = {
  kind: 'ConfigMapList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '123456', continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzNDU2LCJzdGFydCI6ImIifQ', remainingItemCount: 7 },
  items: [
    {
      metadata: {
        name: 'app-config',
        namespace: 'team-a',
        uid: '0b5f3c1e-1111-4a4a-9b9b-000000000001',
        resourceVersion: '99',
        creationTimestamp: '2026-01-02T03:04:05Z',
        deletionTimestamp: '2026-01-02T04:00:00Z',
        labels: { app: 'web', 'app.kubernetes.io/part-of': 'shop', tier: 'frontend' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"nope"}}\n' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'owner-deploy', uid: 'u-1', controller: true, blockOwnerDeletion: true }],
        managedFields: [
          {
            manager: 'kubectl-client-side-apply',
            operation: 'Update',
            apiVersion: 'v1',
            time: '2026-01-02T03:04:05Z',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:data': { '.': {}, 'f:name': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} }, name: 'deep-name', namespace: 'deep-ns' } },
          },
        ],
      },
      data: { name: 'not-the-name', kind: 'not-the-kind', 'config.yaml': 'a: 1\nb: [1, 2, 3]\n' },
    },
    {
      // metadata after the fields that carry nested "name"/"metadata"/"labels"
      data: { nested: { metadata: { name: 'nested-meta', labels: { x: 'y' } }, list: [{ name: 'in-array' }, [{ metadata: { name: 'deeper' } }]] } },
      binaryData: {},
      immutable: true,
      metadata: {
        name: 'second',
        namespace: 'team-b',
        labels: {},
        managedFields: [{ manager: 'm', apiVersion: 'v1', fieldsV1: { name: 'x', metadata: { name: 'y' } } }],
      },
    },
    {
      metadata: {
        name: 'cluster-thing',
        ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'ns-owner', uid: 'u-2' }],
      },
      spec: { template: { metadata: { name: 'tmpl', namespace: 'tmpl-ns', labels: { app: 'tmpl' } } }, n: [1, -2.5, 3e10, true, false, null] },
    },
  ],
};

describe('scanList on a realistic list', () => {
  const body = buf(JSON.stringify(configMaps));
  const scanned = scanList(body);

  it('reads the list continue token and resourceVersion (not an item\'s)', () => {
    expect(scanned.continue).toBe(configMaps.metadata.continue);
    expect(scanned.resourceVersion).toBe('123456');
  });

  it('picks only the top-level metadata name/namespace/labels/deletionTimestamp of each item, never nested ones', () => {
    expect(scanned.items.map(picks)).toEqual([
      { name: 'app-config', namespace: 'team-a', labels: { app: 'web', 'app.kubernetes.io/part-of': 'shop', tier: 'frontend' }, deletionTimestamp: '2026-01-02T04:00:00Z' },
      { name: 'second', namespace: 'team-b', labels: {} },
      { name: 'cluster-thing' },
    ]);
  });

  it('does not take the list\'s own apiVersion/kind, or managedFields\' apiVersion, for items', () => {
    for (const it of scanned.items) {
      expect(it.apiVersion).toBeUndefined();
      expect(it.kind).toBeUndefined();
    }
  });

  it('reports spans that parse to exactly the items JSON.parse sees', () => {
    checkAgainstParse(body, scanned);
  });

  it('reports spans as the exact bytes of each item', () => {
    const text = body.toString('utf8');
    scanned.items.forEach((it, k) => expect(body.subarray(it.start, it.end).toString('utf8')).toBe(JSON.stringify(configMaps.items[k])));
    expect(text.indexOf(JSON.stringify(configMaps.items[0]))).toBe(scanned.items[0].start);
  });

  it('finds the continue token when the list metadata comes after the items', () => {
    const reordered = { items: configMaps.items, metadata: { continue: 'next-page', resourceVersion: '7' }, kind: 'ConfigMapList', apiVersion: 'v1' };
    const b = buf(JSON.stringify(reordered));
    const s = scanList(b);
    expect(s.continue).toBe('next-page');
    expect(s.resourceVersion).toBe('7');
    checkAgainstParse(b, s);
  });

  it('gives no continue/resourceVersion when the list has none, and "" when it is empty', () => {
    expect(scanList(buf('{"items":[]}'))).toEqual({ items: [] });
    const s = scanList(buf('{"metadata":{"continue":"","resourceVersion":"1"},"items":[]}'));
    expect(s.continue).toBe('');
    expect(s.resourceVersion).toBe('1');
  });

  it('ignores "continue" outside the list metadata', () => {
    const s = scanList(buf('{"continue":"top","items":[{"metadata":{"continue":"item","name":"a"}}],"x":{"metadata":{"continue":"x"}}}'));
    expect(s.continue).toBeUndefined();
    expect(s.items.map(picks)).toEqual([{ name: 'a' }]);
  });

  it('handles a few thousand items', () => {
    const many = {
      kind: 'SecretList',
      metadata: { resourceVersion: '5' },
      items: Array.from({ length: 3000 }, (_, k) => ({ metadata: { name: `s-${k}`, namespace: `ns-${k % 7}`, labels: { k: String(k) } }, data: { v: 'x'.repeat(k % 50) } })),
    };
    const b = buf(JSON.stringify(many));
    const s = scanList(b);
    expect(s.items).toHaveLength(3000);
    expect(s.items[2999]).toMatchObject({ name: 's-2999', namespace: 'ns-3', labels: { k: '2999' } });
    checkAgainstParse(b, s);
  });
});

// ---------------------------------------------------------------------------------------------
// Formatting, escapes and UTF-8

describe('scanList formatting and strings', () => {
  it('accepts pretty-printed JSON and gives spans of the indented items', () => {
    const b = buf(JSON.stringify(configMaps, null, 2));
    const s = scanList(b);
    expect(s.items.map((i) => i.name)).toEqual(['app-config', 'second', 'cluster-thing']);
    expect(s.continue).toBe(configMaps.metadata.continue);
    checkAgainstParse(b, s);
  });

  it('accepts every JSON whitespace (space, tab, CR, LF) between every token', () => {
    const text = ' \r\n\t{ \t"kind"\r\n:\t"List" ,\n"items"\t:\r\n[ \n{\t"metadata"\n:\n{ "name" : "a" ,\t"labels"\r:{ "k" : "v" } } } ,\t{ }\r\n] , "metadata" : { "continue" : "c" }\n}\r\n\t ';
    const b = buf(text);
    const s = scanList(b);
    expect(s.items.map(picks)).toEqual([{ name: 'a', labels: { k: 'v' } }, {}]);
    expect(s.continue).toBe('c');
    checkAgainstParse(b, s);
  });

  it('decodes escapes in picked strings (\\" \\\\ \\u00e9 \\/ \\n and surrogate pairs)', () => {
    const text =
      '{"metadata":{"continue":"a\\/b\\"c"},"items":[' +
      '{"apiVersion":"example.com\\/v1","kind":"Wid\\u0067et","metadata":{"name":"q\\"uo\\\\te-caf\\u00e9\\/x","namespace":"n\\u00E9\\ud83d\\ude00\\t","labels":{"k\\"":"v\\\\","\\u00e9":"\\/"}}}' +
      ']}';
    const b = buf(text);
    const s = scanList(b);
    expect(s.continue).toBe('a/b"c');
    expect(s.items).toHaveLength(1);
    expect(s.items[0].apiVersion).toBe('example.com/v1');
    expect(s.items[0].kind).toBe('Widget');
    expect(s.items[0].name).toBe('q"uo\\te-café/x');
    expect(s.items[0].namespace).toBe('né😀\t');
    expect(s.items[0].labels).toEqual({ 'k"': 'v\\', é: '/' });
    checkAgainstParse(b, s);
  });

  it('keeps picked strings with multi-byte UTF-8 intact and reports spans in bytes, not characters', () => {
    const list = {
      items: [
        { metadata: { name: 'ñame-日本-😀', namespace: 'ns-ü', labels: { 'ключ': 'значение', emoji: '🎉' } }, data: { v: 'Grüße, 世界 🌍 — “quotes”' } },
        { metadata: { name: 'after-multibyte' }, data: { v: '\u2028\u2029\u00a0' } },
      ],
    };
    const b = buf(JSON.stringify(list));
    expect(b.length).toBeGreaterThan(JSON.stringify(list).length); // multi-byte: bytes ≠ characters
    const s = scanList(b);
    expect(s.items.map(picks)).toEqual([
      { name: 'ñame-日本-😀', namespace: 'ns-ü', labels: { 'ключ': 'значение', emoji: '🎉' } },
      { name: 'after-multibyte' },
    ]);
    expect(b.subarray(s.items[1].start, s.items[1].end).toString('utf8')).toBe(JSON.stringify(list.items[1]));
    checkAgainstParse(b, s);
  });

  it('decodes each item\'s namespace, apiVersion and kind afresh when they change, repeat, or come as other bytes of the same length', () => {
    // The scanner reuses the last string while the same bytes repeat: a string of the same
    // length, a Latin-1 look-alike of UTF-8 bytes ("Ã©" vs "é") and an escaped form must not pass for it.
    const spellings = ['ns-a', 'ns-a', 'ns-b', 'ns-a', 'Ã©', '\u00e9', 'é', 'é', 'n\u0073-a', 'ns-a', ''];
    const items = spellings.map((ns, i) => `{"apiVersion":"${i % 3 ? 'v1' : 'apps/v1'}","kind":"${i % 2 ? 'ConfigMap' : 'Secret'}","metadata":{"name":"o${i}","namespace":"${ns}"}}`);
    const b = buf(`{"items":[${items.join(',')}]}`);
    const s = scanList(b);
    expect(s.items.map((it) => it.namespace)).toEqual(spellings.map((ns) => JSON.parse(`"${ns}"`)));
    checkAgainstParse(b, s);
    // A second body with the same namespace bytes at other offsets.
    const again = scanList(buf(`{"items":[{"metadata":{"name":"x","namespace":"é"}},{"metadata":{"name":"y","namespace":"ns-a"}}]}`));
    expect(again.items.map((it) => it.namespace)).toEqual(['é', 'ns-a']);
  });

  it('passes raw bytes of any value through untouched in the span (escapes not decoded)', () => {
    const item = '{"metadata":{"name":"x"},"data":{"s":"\\u0041\\/\\"\\\\\\b\\f\\n\\r\\t","e":"\u00e9"}}';
    const b = buf(`{"items":[${item}]}`);
    const s = scanList(b);
    expect(b.subarray(s.items[0].start, s.items[0].end).toString('utf8')).toBe(item);
  });
});

// ---------------------------------------------------------------------------------------------
// Item shapes

describe('scanList item shapes', () => {
  it('picks apiVersion and kind when items carry their own', () => {
    const b = buf(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n' } },
          { kind: 'Service', metadata: { name: 's' } },
          { apiVersion: 'v1', metadata: { name: 'c' } },
          { metadata: { name: 'none' } },
        ],
      }),
    );
    const s = scanList(b);
    expect(s.items.map(picks)).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', namespace: 'n' },
      { kind: 'Service', name: 's' },
      { apiVersion: 'v1', name: 'c' },
      { name: 'none' },
    ]);
    checkAgainstParse(b, s);
  });

  it('does not pick non-string apiVersion/kind/name/namespace', () => {
    const b = buf('{"items":[{"apiVersion":1,"kind":null,"metadata":{"name":{"a":"b"},"namespace":["x"]}},{"apiVersion":true,"kind":["K"],"metadata":{"name":12,"namespace":false}}]}');
    const s = scanList(b);
    expect(s.items.map(picks)).toEqual([{}, {}]);
    checkAgainstParse(b, s);
  });

  it('does not pick name/namespace/labels that sit at the item\'s top level instead of in metadata', () => {
    const b = buf('{"items":[{"name":"n","namespace":"ns","labels":{"a":"b"},"metadata":{}}]}');
    expect(scanList(b).items.map(picks)).toEqual([{}]);
  });

  it('accepts an empty items array', () => {
    for (const text of ['{"items":[]}', '{ "items" : [ ] }', '{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}']) {
      const s = scanList(buf(text));
      expect(s.items).toEqual([]);
    }
  });

  it('accepts an item {} with nothing to pick', () => {
    const b = buf('{"items":[{},{ },{"metadata":{}}]}');
    const s = scanList(b);
    expect(s.items).toEqual([
      { start: 10, end: 12 },
      { start: 13, end: 16 },
      { start: 17, end: 32 },
    ]);
    checkAgainstParse(b, s);
  });

  it('keeps integers beyond 2^53 byte-exact in the span', () => {
    const item = '{"spec":{"n":12345678901234567890,"m":-98765432109876543210987654321,"f":1.000000000000000000001,"e":9007199254740993e0}}';
    const b = buf(`{"items":[${item}]}`);
    const s = scanList(b);
    const span = b.subarray(s.items[0].start, s.items[0].end).toString('utf8');
    expect(span).toBe(item);
    expect(span).toContain('12345678901234567890');
    expect(JSON.stringify(JSON.parse(span))).not.toContain('12345678901234567890'); // what re-serializing would lose
  });

  it('parses labels as an object of strings', () => {
    const b = buf('{"items":[{"metadata":{"labels":{"a":"1","b.example.com/c":"","d":"x y"},"name":"l"}}]}');
    const s = scanList(b);
    expect(s.items[0].labels).toEqual({ a: '1', 'b.example.com/c': '', d: 'x y' });
    expect(Object.getPrototypeOf(s.items[0].labels)).toBe(Object.prototype);
    expect(s.items[0].name).toBe('l');
  });

  it('does not take the labels of one item for the next', () => {
    const b = buf('{"items":[{"metadata":{"name":"a","labels":{"x":"1"}}},{"metadata":{"name":"b"}},{"metadata":{"labels":{"y":"2"}}}]}');
    expect(scanList(b).items.map(picks)).toEqual([{ name: 'a', labels: { x: '1' } }, { name: 'b' }, { labels: { y: '2' } }]);
  });

  const oddShapes: Array<[string, string, Omit<ScannedItem, 'start' | 'end'>]> = [
    ['labels null', '{"metadata":{"name":"a","labels":null}}', { name: 'a' }],
    ['labels an array', '{"metadata":{"name":"a","labels":[{"x":"y"}]}}', { name: 'a' }],
    ['labels a string', '{"metadata":{"name":"a","labels":"x=y"}}', { name: 'a' }],
    ['labels a number', '{"metadata":{"labels":3,"name":"a"}}', { name: 'a' }],
    ['metadata an array', '{"metadata":[{"name":"a","labels":{"x":"y"}}]}', {}],
    ['metadata an empty array', '{"metadata":[]}', {}],
    ['metadata null', '{"metadata":null,"kind":"K"}', { kind: 'K' }],
    ['metadata a string', '{"metadata":"name","apiVersion":"v"}', { apiVersion: 'v' }],
    ['metadata nested array of arrays', '{"metadata":[[{"name":"a"}],{"labels":{}}],"kind":"K"}', { kind: 'K' }],
  ];
  for (const [what, item, expected] of oddShapes) {
    it(`does not crash and picks no labels when ${what}`, () => {
      const b = buf(`{"items":[${item},{"metadata":{"name":"next","labels":{"ok":"1"}}}]}`);
      const s = scanList(b);
      expect(s.items.map(picks)).toEqual([expected, { name: 'next', labels: { ok: '1' } }]);
      checkAgainstParse(b, s);
    });
  }

  it('ignores list metadata that is not an object', () => {
    for (const meta of ['null', '[]', '"x"', '[{"continue":"c"}]']) {
      const s = scanList(buf(`{"metadata":${meta},"items":[]}`));
      expect(s.continue).toBeUndefined();
      expect(s.resourceVersion).toBeUndefined();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Invalid bodies

/** Bodies that are not JSON at all: JSON.parse rejects every one. */
const notJson: Array<[string, string | Buffer]> = [
  ['trailing comma in an object', '{"items":[{"a":1,}]}'],
  ['trailing comma in an array', '{"items":[{},]}'],
  ['trailing comma in the list object', '{"items":[],}'],
  ['leading comma in an array', '{"items":[,{}]}'],
  ['lone comma in an object', '{"items":[{,}]}'],
  ['leading zero', '{"items":[{"a":01}]}'],
  ['negative leading zero', '{"items":[{"a":-01}]}'],
  ['dot without fraction digits', '{"items":[{"a":1.}]}'],
  ['fraction without integer part', '{"items":[{"a":.5}]}'],
  ['lone minus', '{"items":[{"a":-}]}'],
  ['plus sign', '{"items":[{"a":+1}]}'],
  ['exponent without digits', '{"items":[{"a":1e}]}'],
  ['signed exponent without digits', '{"items":[{"a":1E+}]}'],
  ['hex number', '{"items":[{"a":0x10}]}'],
  ['dot right after the exponent mark', '{"items":[{"a":1e.5}]}'],
  ['fraction after the exponent', '{"items":[{"a":1e5.5}]}'],
  ['exponent mark at the end of a fraction', '{"items":[{"a":1.5e}]}'],
  ['double minus', '{"items":[{"a":--1}]}'],
  ['leading zero with a fraction', '{"items":[{"a":00.5}]}'],
  ['unterminated string', '{"items":[{"a":"abc}]}'],
  ['unterminated string at the end of the body', '{"items":[{"a":"abc'],
  ['raw control character 0x01 in a string', '{"items":[{"a":"x\u0001y"}]}'],
  ['raw newline in a string', '{"items":[{"metadata":{"name":"a\nb"}}]}'],
  ['raw tab in a key', '{"items":[{"a\tb":1}]}'],
  ['bad escape \\x', '{"items":[{"a":"\\x41"}]}'],
  ['bad escape \\\'', '{"items":[{"a":"\\\'"}]}'],
  ['short \\u escape', '{"items":[{"a":"\\u12"}]}'],
  ['non-hex \\u escape', '{"items":[{"a":"\\u00g1"}]}'],
  ['\\u escape with a non-hex fourth digit', '{"items":[{"metadata":{"name":"\\u00eZ"}}]}'],
  ['\\u escape with no digits', '{"items":[{"a":"\\u"}]}'],
  ['backslash at the end of the body', '{"items":[{"a":"\\'],
  ['single-quoted string', "{'items':[]}"],
  ['unquoted key', '{items:[]}'],
  ['truncated true', '{"items":[{"a":tru}]}'],
  ['truncated null', '{"items":[{"a":nul}]}'],
  ['truncated false', '{"items":[{"a":fals}]}'],
  ['capitalized True', '{"items":[{"a":True}]}'],
  ['literal with trailing letters', '{"items":[{"a":truex}]}'],
  ['missing colon', '{"items" []}'],
  ['key without value', '{"items":[{"a"}]}'],
  ['colon without value', '{"items":[{"a":}]}'],
  ['missing comma between members', '{"items":[{"a":1 "b":2}]}'],
  ['missing comma between items', '{"items":[{} {}]}'],
  ['extra }', '{"items":[]}}'],
  ['extra ]', '{"items":[]]}'],
  ['mismatched [}', '{"items":[{"a":[1}]}'],
  ['mismatched {]', '{"items":[{"a":1]]}'],
  ['trailing garbage after the list', '{"items":[]} x'],
  ['a second top-level value', '{"items":[]}{}'],
  ['truncated body', '{"items":[{"metadata":{"name":"a"}}'],
  ['truncated after the items array', '{"items":[]'],
  ['empty body', ''],
  ['whitespace-only body', ' \n\t\r '],
  ['NaN', '{"items":[{"a":NaN}]}'],
  ['Infinity', '{"items":[{"a":Infinity}]}'],
  ['-Infinity', '{"items":[{"a":-Infinity}]}'],
  ['comment', '{"items":[/* none */]}'],
  ['form feed as whitespace', '{"items":\f[]}'],
  ['no-break space as whitespace', '{"items":\u00a0[]}'],
  ['byte-order mark before the list', '\ufeff{"items":[]}'],
  ['invalid value inside labels', '{"items":[{"metadata":{"labels":{"a":01}}}]}'],
  ['invalid value after the items', '{"items":[],"metadata":{"continue":tru}}'],
];

/** JSON, but not a list of objects: JSON.parse accepts these, the scan must not. */
const notAList: Array<[string, string]> = [
  ['top-level array', '[{"items":[]}]'],
  ['top-level string', '"items"'],
  ['top-level number', '1'],
  ['top-level null', 'null'],
  ['"items" as an object', '{"items":{"a":{}}}'],
  ['"items" null', '{"items":null}'],
  ['"items" a string', '{"items":"[]"}'],
  ['an item that is a number', '{"items":[1]}'],
  ['an item that is null', '{"items":[{},null]}'],
  ['an item that is an array', '{"items":[[]]}'],
  ['an item that is a string', '{"items":["{}"]}'],
  ['no "items" key', '{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"1"}}'],
  ['an empty object', '{}'],
  ['"items" only nested deeper', '{"metadata":{"items":[]},"data":{"items":[{}]}}'],
];

describe('scanList rejects invalid bodies', () => {
  it('has a table large enough to matter', () => {
    expect(notJson.length).toBeGreaterThanOrEqual(25);
  });

  for (const [what, body] of notJson) {
    it(`rejects ${what}, as JSON.parse does`, () => {
      const b = typeof body === 'string' ? buf(body) : body;
      expect(() => JSON.parse(b.toString('utf8'))).toThrow(SyntaxError); // the table stays honest
      expectScanError(b);
    });
  }

  for (const [what, body] of notAList) {
    it(`rejects ${what} (valid JSON, not a list of objects)`, () => {
      expect(() => JSON.parse(body)).not.toThrow();
      expectScanError(buf(body));
    });
  }

  it('says where the problem is', () => {
    expect(expectScanError(buf('')).offset).toBe(0);
    expect(expectScanError(buf('{"items":[]} x')).offset).toBe(13);
    expect(expectScanError(buf('{"items":[1]}')).offset).toBe(10);
    expect(expectScanError(buf('{"items":{}}')).offset).toBe(9);
    expect(expectScanError(buf('[]')).offset).toBe(0);
    expect(expectScanError(buf('{"items":[{"a":"x\u0001y"}]}')).offset).toBe(17);
    expect(expectScanError(buf('{"items":[{"a":1,}]}')).offset).toBe(17);
    expect(expectScanError(buf('{"items":[{"a":"abc')).offset).toBeGreaterThanOrEqual(15);
    expect(expectScanError(buf('{"kind":"List"}')).message).toMatch(/items/);
  });

  it('rejects a body with no "items" key', () => {
    expect(() => scanList(buf('{"kind":"ConfigMapList","metadata":{"continue":"x"}}'))).toThrow(ListScanError);
  });
});

// ---------------------------------------------------------------------------------------------
// Keys written with escapes (RFC 8259 §8.3: "a\\b" and "a\u005Cb" are the same string)

describe('scanList compares keys as JSON.parse reads them', () => {
  it('finds "items", "metadata" and "name" written with \\u escapes', () => {
    const b = buf('{"\\u0069tems":[{"m\\u0065tadata":{"na\\u006de":"a","namespace":"n"}}]}');
    expect(JSON.parse(b.toString('utf8'))).toEqual({ items: [{ metadata: { name: 'a', namespace: 'n' } }] });
    const s = scanList(b);
    expect(s.items.map(picks)).toEqual([{ name: 'a', namespace: 'n' }]);
  });
});

// ---------------------------------------------------------------------------------------------
// Differential: random lists against JSON.parse

const PICKED_KEYS = new Set(['items', 'metadata', 'apiVersion', 'kind', 'name', 'namespace', 'labels', 'continue', 'resourceVersion']);

class Gen {
  constructor(private readonly rnd: () => number) {}
  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }
  ws(): string {
    if (this.chance(0.6)) return '';
    let s = '';
    const n = 1 + this.int(3);
    for (let k = 0; k < n; k++) s += this.pick([' ', '\n', '\t', '\r', '  ']);
    return s;
  }
  /** A string value: ASCII, quotes, backslashes, controls, multi-byte, astral. */
  rawString(): string {
    const pool = ['a', 'b', 'Z', '0', '9', ' ', '-', '.', '/', '"', '\\', '\n', '\t', '\u0000', '\u0001', '\u001f', '\u007f', 'é', 'ß', '日', '€', '😀', '\u2028', '\ud800', '{', '}', '[', ']', ',', ':'];
    let s = '';
    const n = this.int(12);
    for (let k = 0; k < n; k++) s += this.pick(pool);
    return s;
  }
  /** JSON text for a string, escaping what must be and randomly what may be. */
  stringText(s: string, mayEscape = true): string {
    let out = '"';
    for (const ch of s) {
      const code = ch.codePointAt(0)!;
      const short: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\b': '\\b', '\f': '\\f' };
      const u = (c: number) => {
        const h = c.toString(16).padStart(4, '0');
        return `\\u${this.chance(0.5) ? h : h.toUpperCase()}`;
      };
      if (short[ch] !== undefined && (code < 0x20 || ch === '"' || ch === '\\')) out += mayEscape && this.chance(0.3) ? u(code) : short[ch];
      else if (code < 0x20) out += u(code);
      else if (mayEscape && ch === '/' && this.chance(0.5)) out += '\\/';
      else if (mayEscape && this.chance(0.1)) {
        if (code > 0xffff) out += u(0xd800 + ((code - 0x10000) >> 10)) + u(0xdc00 + ((code - 0x10000) & 0x3ff));
        else out += u(code);
      } else out += ch;
    }
    return `${out}"`;
  }
  numberText(): string {
    let s = this.chance(0.3) ? '-' : '';
    if (this.chance(0.25)) s += '0';
    else {
      s += String(1 + this.int(9));
      const n = this.chance(0.15) ? 15 + this.int(15) : this.int(5); // sometimes beyond 2^53
      for (let k = 0; k < n; k++) s += String(this.int(10));
    }
    if (this.chance(0.3)) {
      s += '.';
      const n = 1 + this.int(4);
      for (let k = 0; k < n; k++) s += String(this.int(10));
    }
    if (this.chance(0.25)) {
      s += this.pick(['e', 'E']) + this.pick(['', '+', '-']);
      const n = 1 + this.int(3);
      for (let k = 0; k < n; k++) s += String(this.int(10));
    }
    return s;
  }
  key(): string {
    return this.chance(0.3) ? this.pick([...PICKED_KEYS, 'uid', 'f:name', 'spec']) : this.rawString();
  }
  keyText(k: string): string {
    // The picked keys go plainly (escaped spellings of them are a separate test above).
    return this.stringText(k, !PICKED_KEYS.has(k));
  }
  /** JSON text of a random value. */
  value(depth: number): string {
    const r = this.rnd();
    if (depth <= 0 || r < 0.35) {
      const t = this.int(6);
      if (t === 0) return 'true';
      if (t === 1) return 'false';
      if (t === 2) return 'null';
      if (t === 3 || t === 4) return this.numberText();
      return this.stringText(this.rawString());
    }
    if (r < 0.65) return this.object(depth - 1);
    const n = this.int(5);
    const parts: string[] = [];
    for (let k = 0; k < n; k++) parts.push(this.ws() + this.value(depth - 1) + this.ws());
    return `[${n === 0 ? this.ws() : parts.join(',')}]`;
  }
  object(depth: number, fixed: Array<[string, string]> = []): string {
    const members = new Map<string, string>(fixed);
    const n = this.int(5);
    for (let k = 0; k < n; k++) {
      const key = this.key();
      if (!members.has(key)) members.set(key, this.value(depth));
    }
    // Shuffle so picked keys come before or after nested ones.
    const entries = [...members];
    for (let k = entries.length - 1; k > 0; k--) {
      const j = this.int(k + 1);
      [entries[k], entries[j]] = [entries[j], entries[k]];
    }
    if (entries.length === 0) return `{${this.ws()}}`;
    return `{${entries.map(([k, v]) => `${this.ws()}${this.keyText(k)}${this.ws()}:${this.ws()}${v}${this.ws()}`).join(',')}}`;
  }
  /** A random item: an object, often with metadata of varied shapes. */
  item(): string {
    const fixed: Array<[string, string]> = [];
    if (this.chance(0.8)) {
      let meta: string;
      const shape = this.rnd();
      if (shape < 0.8) {
        const m: Array<[string, string]> = [];
        if (this.chance(0.8)) m.push(['name', this.chance(0.9) ? this.stringText(this.rawString()) : this.value(1)]);
        if (this.chance(0.5)) m.push(['namespace', this.stringText(this.rawString())]);
        if (this.chance(0.6)) {
          const labels: Array<[string, string]> = [];
          const n = this.int(4);
          for (let k = 0; k < n; k++) labels.push([`l${k}${this.rawString()}`, this.stringText(this.rawString())]);
          m.push(['labels', this.chance(0.85) ? this.object(0, labels) : this.value(2)]);
        }
        meta = this.object(2, m);
      } else meta = this.value(2);
      fixed.push(['metadata', meta]);
    }
    if (this.chance(0.3)) fixed.push(['apiVersion', this.stringText(this.pick(['v1', 'apps/v1', 'example.com/v1alpha1', 'x/y']))]);
    if (this.chance(0.3)) fixed.push(['kind', this.stringText(this.rawString())]);
    return this.object(3, fixed);
  }
}

/** A random list body, with the exact byte span of every item. */
function randomList(g: Gen): { text: string; spans: Array<[number, number]> } {
  const items: string[] = [];
  const n = g.int(6);
  for (let k = 0; k < n; k++) items.push(g.item());
  const head = `{${g.ws()}"kind"${g.ws()}:${g.ws()}"List",${g.ws()}"metadata":${g.object(1, g.chance(0.5) ? [['continue', g.stringText(g.rawString())]] : [])},${g.ws()}"items"${g.ws()}:${g.ws()}[`;
  let text = head;
  const spans: Array<[number, number]> = [];
  items.forEach((item, k) => {
    if (k > 0) text += ',';
    text += g.ws();
    const start = Buffer.byteLength(text);
    text += item;
    spans.push([start, Buffer.byteLength(text)]);
    text += g.ws();
  });
  text += `]${g.ws()}}${g.ws()}`;
  return { text, spans };
}

/** Whether JSON.parse accepts the body and it is a list of objects. */
function parseAccepts(body: Buffer): boolean {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    return false;
  }
  return isPlainObject(v) && Array.isArray(v.items) && v.items.every(isPlainObject);
}

describe('scanList against JSON.parse on random lists', () => {
  it('accepts every random valid list, with exact spans and the same picks', () => {
    const g = new Gen(prng(0xc41f2));
    for (let round = 0; round < 400; round++) {
      const { text, spans } = randomList(g);
      const b = buf(text);
      expect(parseAccepts(b), text).toBe(true);
      let s: ScannedList;
      try {
        s = scanList(b);
      } catch (err) {
        throw new Error(`round ${round}: scanList rejected ${JSON.stringify(text)}: ${(err as Error).message}`);
      }
      expect(s.items.map((i) => [i.start, i.end])).toEqual(spans);
      checkAgainstParse(b, s);
    }
  });

  it('accepts a mutated body exactly when JSON.parse does', () => {
    const g = new Gen(prng(0x5ca9));
    const alphabet = ['{', '}', '[', ']', ',', ':', '"', '\\', ' ', '0', '1', '-', '.', 'e', '+', 't', 'n', 'u', 'x', '\u0001', '\n', 'é'];
    let accepted = 0;
    let rejected = 0;
    for (let round = 0; round < 600; round++) {
      const { text } = randomList(g);
      let b = buf(text);
      const edits = 1 + g.int(2);
      for (let e = 0; e < edits; e++) {
        const at = g.int(b.length + 1);
        const op = g.int(3);
        const ins = buf(g.pick(alphabet));
        if (op === 0) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
        else if (op === 1) b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
        else b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at + 1)]);
      }
      const want = parseAccepts(b);
      let s: ScannedList | undefined;
      let err: unknown;
      try {
        s = scanList(b);
      } catch (e) {
        err = e;
      }
      if (want) {
        expect(err, `round ${round}: scanList rejected ${JSON.stringify(b.toString('utf8'))}`).toBeUndefined();
        checkAgainstParse(b, s!);
        accepted++;
      } else {
        expect(s, `round ${round}: scanList accepted ${JSON.stringify(b.toString('utf8'))}`).toBeUndefined();
        expect(err).toBeInstanceOf(ListScanError);
        rejected++;
      }
    }
    // Both sides of the comparison were exercised.
    expect(accepted).toBeGreaterThan(20);
    expect(rejected).toBeGreaterThan(200);
  });

  it('rejects every strict prefix of a valid list', () => {
    const g = new Gen(prng(77));
    for (let round = 0; round < 20; round++) {
      const { text } = randomList(g);
      const b = buf(text.trimEnd());
      for (let cut = 0; cut < b.length; cut++) {
        const prefix = b.subarray(0, cut);
        expect(parseAccepts(prefix)).toBe(false);
        expect(() => scanList(prefix)).toThrow(ListScanError);
      }
    }
  });
});


describe('scanListHead', () => {
  it('reads continue and resourceVersion from the bytes before the items, without looking at them', () => {
    // The items are not even JSON: the head scan must stop before them.
    const body = buf('{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"12","continue":"tok\\/1"},"items":[not json at all');
    expect(scanListHead(body)).toEqual({ continue: 'tok/1', resourceVersion: '12', items: [] });
    expect(() => scanList(body)).toThrow(ListScanError);
  });

  it('gives no token for the last page (metadata without continue)', () => {
    expect(scanListHead(buf('{"metadata":{"resourceVersion":"3"},"items":[]}'))?.continue).toBeUndefined();
  });

  it('is undefined when the metadata follows the items, so the caller scans the whole list', () => {
    const body = buf('{"items":[{"metadata":{"name":"a"}}],"metadata":{"continue":"x"}}');
    expect(scanListHead(body)).toBeUndefined();
    expect(scanList(body).continue).toBe('x');
  });

  it('is undefined for a list without items, and throws for a malformed head', () => {
    expect(scanListHead(buf('{"metadata":{"continue":"x"}}'))).toBeUndefined();
    expect(() => scanListHead(buf('{"metadata":{"continue":"x"},,"items":[]}'))).toThrow(ListScanError);
  });
});

describe('scanList options', () => {
  it('leaves labels out when asked not to read them, picking everything else the same', () => {
    const body = buf('{"metadata":{},"items":[{"metadata":{"name":"a","namespace":"n","labels":{"app":"web"}}}]}');
    expect(scanList(body).items[0].labels).toEqual({ app: 'web' });
    const [item] = scanList(body, { labels: false }).items;
    expect(item.labels).toBeUndefined();
    expect(item).toMatchObject({ name: 'a', namespace: 'n', start: 24 });
  });
});

describe('labels: { containing }', () => {
  it('parses only the label maps whose JSON holds the text (exclude-from-backup), and no others', () => {
    const body = buf(
      JSON.stringify({
        metadata: {},
        items: [
          { metadata: { name: 'a', labels: { app: 'web' } } },
          { metadata: { name: 'b', labels: { 'velero.io/exclude-from-backup': 'true', app: 'db' } } },
          { metadata: { name: 'c', labels: { note: 'exclude-from-backup' } } },
          { metadata: { name: 'd' } },
        ],
      }),
    );
    const scanned = scanList(body, { labels: { containing: 'exclude-from-backup' } });
    expect(scanned.items.map(picks)).toEqual([
      { name: 'a' },
      { name: 'b', labels: { 'velero.io/exclude-from-backup': 'true', app: 'db' } },
      { name: 'c', labels: { note: 'exclude-from-backup' } },
      { name: 'd' },
    ]);
    expect(scanList(body, { labels: false }).items.every((i) => i.labels === undefined)).toBe(true);
  });

  it('looks for the text inside the label map only, up to its last byte', () => {
    const body = buf('{"items":[{"metadata":{"name":"a","labels":{"k":"b"},"x":"y"}}]}');
    expect(scanList(body, { labels: { containing: 'b"}' } }).items[0].labels).toEqual({ k: 'b' }); // ends on the map's last byte
    expect(scanList(body, { labels: { containing: 'b"},' } }).items[0].labels).toBeUndefined(); // runs past it
    expect(scanList(body, { labels: { containing: '{"k"' } }).items[0].labels).toEqual({ k: 'b' }); // starts on its first
    expect(scanList(body, { labels: { containing: ':{"k"' } }).items[0].labels).toBeUndefined(); // starts before it
  });
});
