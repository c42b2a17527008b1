// Every user regex is a Go (RE2) regexp, compiled by re2js (src/match/regex.ts): issue 15 item 9
// and issue 16 item 6.
import { describe, expect, it } from 'vitest';
import { compileRegex, regexProblem } from '../../src/match/regex.ts';

describe('compileRegex', () => {
  it('matches unanchored, like Go regexp.MatchString', () => {
    const re = compileRegex('nginx');
    expect(re.test('my-nginx-1')).toBe(true);
    expect(re.test('apache')).toBe(false);
    expect(compileRegex('^web-[0-9]+$').test('web-12')).toBe(true);
  });
  it('takes Go syntax JavaScript lacks or spells differently: (?i), (?P<name>…), \\pL, \\z', () => {
    expect(compileRegex('(?i)^NGINX').test('nginx-1')).toBe(true);
    expect(compileRegex('(?P<app>web)-\\d').test('web-1')).toBe(true);
    expect(compileRegex('^\\pL+$').test('déjà')).toBe(true);
    expect(compileRegex('a\\z').test('ba')).toBe(true);
  });
  it.each([
    ['(?<=a)b', 'look-behind'],
    ['a(?=b)', 'look-ahead'],
    ['(a)\\1', 'back-reference'],
    ['(?!x)', 'negative look-ahead'],
    ['[a-', 'unclosed class'],
    ['a{1001}', 'repeat count over 1000'],
  ])('refuses %s (%s), as Go refuses it', (source) => {
    expect(() => compileRegex(source)).toThrow(/not a valid RE2 \(Go\) regular expression/);
    expect(regexProblem(source)).toBeDefined();
  });
  it('"(a+)+$" against 100,000 a\'s and a b answers without backtracking (was ~72 s with RegExp)', () => {
    // Linear time: a backtracking engine needs 2^n steps here. No timing assertion: a stall
    // would time the test out.
    expect(compileRegex('(a+)+$').test(`${'a'.repeat(100_000)}!`)).toBe(false);
    expect(compileRegex('(a+)+$').test('a'.repeat(100_000))).toBe(true);
  });
});
