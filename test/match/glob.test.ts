// The one glob engine (src/match/glob.ts): gobwas/glob semantics, as Velero uses them in its
// include/exclude lists and in resource modifier conditions, run on RE2.
import { describe, expect, it } from 'vitest';
import { compileGlob, globMatch, globProblem, isGlob } from '../../src/match/glob.ts';
import { PatternError } from '../../src/match/errors.ts';

describe('globMatch (no separators: namespace and resource lists)', () => {
  const cases: [string, string, boolean][] = [
    ['*', 'anything.at.all', true],
    ['team-*', 'team-a', true],
    ['team-*', 'xteam-a', false],
    ['*.cluster.x-k8s.io', 'clusters.cluster.x-k8s.io', true],
    ['*.cluster.x-k8s.io', 'clusters.infrastructure.cluster.x-k8s.io', true],
    ['*.cluster.x-k8s.io', 'deployments.apps', false],
    ['deployments.apps', 'deployments.apps', true],
    ['deployments.apps', 'deploymentsxapps', false], // the dot is literal
    ['ns-?', 'ns-1', true],
    ['ns-?', 'ns-12', false],
    ['ns-[ab]', 'ns-b', true],
    ['ns-[!ab]', 'ns-b', false],
    ['ns-[!ab]', 'ns-c', true],
    ['ns-[a-c]', 'ns-c', true],
    // issue 18: `team-{a,b}` matched in modifiers but not in selection; one engine now.
    ['team-{a,b}', 'team-a', true],
    ['team-{a,b}', 'team-b', true],
    ['team-{a,b}', 'team-c', false],
    ['{deployments,statefulsets}.apps', 'statefulsets.apps', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['(x)+', '(x)+', true], // regex characters are literal
  ];
  it.each(cases)('%s vs %s → %s', (pattern, value, want) => expect(globMatch(pattern, value)).toBe(want));
});

describe("with '.' as separator (a modifier's groupResource, glob.Compile(p, '.'))", () => {
  const cases: [string, string, boolean][] = [
    ['*', 'configmaps', true],
    ['*', 'deployments.apps', false],
    ['*.apps', 'deployments.apps', true],
    ['*.*', 'deployments.apps', true],
    ['*.*', 'ingresses.networking.k8s.io', false],
    ['**', 'ingresses.networking.k8s.io', true],
    ['?ods', 'pods', true],
  ];
  it.each(cases)('%s vs %s → %s', (pattern, value, want) => expect(compileGlob(pattern, '.')(value)).toBe(want));
});

describe('bad globs', () => {
  it.each(['ns-[ab', 'team-{a,b', 'x\\', 'ns-[]', 'ns-[z-a]'])('%s is refused with a PatternError, and matches nothing', (p) => {
    expect(() => compileGlob(p)).toThrow(PatternError);
    expect(globProblem(p)).toMatch(/bad glob pattern/);
    expect(globMatch(p, p)).toBe(false);
  });
  it('isGlob tells names from patterns', () => {
    expect(isGlob('deployments.apps')).toBe(false);
    expect(isGlob('team-{a,b}')).toBe(true);
    expect(isGlob('ns-?')).toBe(true);
  });
  it('a pattern that would backtrack in a RegExp is matched in linear time (RE2)', () => {
    // `*a*a*a*…b` against "aaaa…" is exponential for a backtracking engine; RE2 answers at once.
    const p = `${'*a'.repeat(30)}b`;
    expect(globMatch(p, 'a'.repeat(5000))).toBe(false);
  });
});
