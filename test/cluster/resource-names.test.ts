// Resource names resolved as kubectl resolves them (src/cluster/resource-names.ts).
import { describe, expect, it } from 'vitest';
import { resolveResourceName, resolveSelection } from '../../src/cluster/resource-names.ts';

const R = (group: string, resource: string, kind: string, singularName?: string, shortNames?: string[]) => ({
  group,
  resource,
  kind,
  groupResource: group ? `${resource}.${group}` : resource,
  ...(singularName ? { singularName } : {}),
  ...(shortNames ? { shortNames } : {}),
});
const served = [
  R('', 'pods', 'Pod', 'pod', ['po']),
  R('', 'events', 'Event', 'event', ['ev']),
  R('events.k8s.io', 'events', 'Event', 'event', ['ev']),
  R('apps', 'deployments', 'Deployment', 'deployment', ['deploy']),
  R('networking.k8s.io', 'ingresses', 'Ingress', 'ingress', ['ing']),
  R('example.com', 'widgets', 'Widget'), // a CRD without singularName: the lower-cased kind stands in
];

describe('resolveResourceName', () => {
  it.each([
    ['pods', 'pods'],
    ['pod', 'pods'],
    ['po', 'pods'],
    ['Pod', 'pods'],
    ['deploy', 'deployments.apps'],
    ['Deployment', 'deployments.apps'],
    ['deployments.apps', 'deployments.apps'],
    ['deploy.apps', 'deployments.apps'],
    ['ing', 'ingresses.networking.k8s.io'],
    ['ingress.networking.k8s.io', 'ingresses.networking.k8s.io'],
    ['widget', 'widgets.example.com'],
    ['events', 'events'], // served by two groups: the core group wins
    ['events.events.k8s.io', 'events.events.k8s.io'],
  ])('%s → %s', (name, want) => expect(resolveResourceName(name, served)).toBe(want));

  it('leaves globs, "*" and unknown names unresolved', () => {
    expect(resolveResourceName('*.apps', served)).toBeUndefined();
    expect(resolveResourceName('*', served)).toBeUndefined();
    expect(resolveResourceName('deployments.extensions', served)).toBeUndefined();
    expect(resolveResourceName('nothing', served)).toBeUndefined();
  });

  it('resolveSelection keeps unknown names (so they select nothing) and warns about each', () => {
    const r = resolveSelection({ includedResources: ['po', 'nope'], excludedResources: ['*.apps'] }, served);
    expect(r.selection).toEqual({ includedResources: ['pods', 'nope'], excludedResources: ['*.apps'] });
    expect(r.warnings).toEqual(['includedResources "nope" names no resource the server serves (by plural, singular, short name or kind): it is ignored']);
  });
});
