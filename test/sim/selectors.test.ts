import { describe, expect, it } from 'vitest';
import { parseLabelSelector, matchesLabels, parseFieldSelector, matchesFields, SelectorError, COMMON_FIELDS } from '../../src/sim/selectors.ts';

const labels = { app: 'web', tier: 'front', 'k0rdent.mirantis.com/component': 'kcm', replicas: '3' };

describe('label selectors', () => {
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app in (web, db)', true],
    ['app notin (web,db)', false],
    ['missing notin (a)', true],
    ['missing in (a)', false],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['k0rdent.mirantis.com/component=kcm,tier=front', true],
    ['k0rdent.mirantis.com/component=kcm,tier=back', false],
    ['replicas>2', true],
    ['replicas<3', false],
    [' app = web , tier ', true],
  ];
  it.each(cases)('%j → %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it.each(['app in (web', 'a b', '=x', 'app=web,', 'replicas>x', 'app=in valid'])('rejects %j with the reason', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(SelectorError);
  });

  it('treats an object without labels as having none', () => {
    expect(matchesLabels(parseLabelSelector('!app'), undefined)).toBe(true);
    expect(matchesLabels(parseLabelSelector('app'), undefined)).toBe(false);
  });
});

describe('field selectors', () => {
  const obj = { metadata: { name: 'a', namespace: 'ns1' }, type: 'Opaque' };
  it('matches metadata.name and metadata.namespace with =, == and !=', () => {
    expect(matchesFields(parseFieldSelector('metadata.name=a', COMMON_FIELDS), obj)).toBe(true);
    expect(matchesFields(parseFieldSelector('metadata.name==b', COMMON_FIELDS), obj)).toBe(false);
    expect(matchesFields(parseFieldSelector('metadata.namespace!=ns2,metadata.name=a', COMMON_FIELDS), obj)).toBe(true);
    expect(matchesFields(parseFieldSelector('type=Opaque', [...COMMON_FIELDS, 'type']), obj)).toBe(true);
  });

  it('refuses a field the resource does not index', () => {
    expect(() => parseFieldSelector('spec.replicas=1', COMMON_FIELDS)).toThrow('field label not supported: spec.replicas');
    expect(() => parseFieldSelector('metadata.name', COMMON_FIELDS)).toThrow(SelectorError);
  });
});
