// The one label-selector home (src/match/label-selector.ts): matching, validation, server form.
import { describe, expect, it } from 'vitest';
import { compileLabelSelector, formatLabelSelector, labelSelectorProblems, labelsMatch } from '../../src/match/label-selector.ts';
import { PatternError } from '../../src/match/errors.ts';

describe('labelsMatch', () => {
  const cases: [string, Record<string, string> | undefined, Parameters<typeof labelsMatch>[1], boolean][] = [
    ['empty selector matches unlabelled', undefined, {}, true],
    ['matchLabels equal', { app: 'web' }, { matchLabels: { app: 'web' } }, true],
    ['matchLabels differ', { app: 'db' }, { matchLabels: { app: 'web' } }, false],
    ['matchLabels on an inherited key is no match', {}, { matchLabels: { toString: 'x' } }, false],
    ['In', { tier: 'b' }, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }, true],
    ['NotIn without the key matches', {}, { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }, true],
    ['Exists', { x: '' }, { matchExpressions: [{ key: 'x', operator: 'Exists' }] }, true],
    ['DoesNotExist', { x: '1' }, { matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, false],
  ];
  it.each(cases)('%s', (_d, labels, sel, want) => expect(labelsMatch(labels, sel)).toBe(want));
});

describe('validation (what LabelSelectorAsSelector refuses)', () => {
  it('names each problem with its place in the selector', () => {
    const problems = labelSelectorProblems({
      matchLabels: { 'Bad Key': 'ok', app: 'not valid!' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: [] },
        { key: 'x', operator: 'Exists', values: ['y'] },
        { key: 'y', operator: 'Near', values: ['z'] },
      ],
    });
    expect(problems.map((p) => [p.code, p.path.join('.')])).toEqual([
      ['selector.label-key', 'matchLabels.Bad Key'],
      ['selector.label-value', 'matchLabels.app'],
      ['selector.values', 'matchExpressions.0.values'],
      ['selector.values', 'matchExpressions.1.values'],
      ['selector.operator', 'matchExpressions.2.operator'],
    ]);
    expect(() => compileLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'In', values: [] }] })).toThrow(PatternError);
  });
  it('server form', () => {
    expect(formatLabelSelector({ matchLabels: { a: 'b' }, matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['d', 'e'] }, { key: 'f', operator: 'DoesNotExist' }] })).toBe('a=b,c notin (d,e),!f');
  });
});
