// An API answer holding an int64 beyond 2^53 (a restore diff of such a field) is written with
// its exact digits: JSON.stringify would throw on the bigint, and a double would round it.
import { describe, expect, it } from 'vitest';
import { parseExact } from '../../src/exact-json.ts';
import { serializeAnswer } from '../../src/server/api.ts';

describe('serializeAnswer', () => {
  it('keeps int64 values exact', () => {
    const body = { items: [{ diff: [{ path: '/spec/big', op: 'replace', old: 9007199254740993n, new: 9223372036854775807n }] }] };
    const text = serializeAnswer(body);
    expect(text).toContain('"old":9007199254740993');
    expect(text).toContain('"new":9223372036854775807');
    expect(parseExact(text)).toEqual(body);
  });

  it('is compact JSON otherwise', () => {
    expect(serializeAnswer({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
  });
});
