import { describe, expect, it } from 'vitest';
import type { ResourceSelection } from '../../src/api/types.ts';
import type { KubeObject } from '../../src/cluster/types.ts';
import { includeClusterScoped, namespaceIncluded, objectSelected, resourceIncluded, serverLabelSelector } from '../../src/cluster/selection.ts';
import { formatLabelSelector, labelsMatch } from '../../src/match/label-selector.ts';

const obj = (name: string, labels?: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Thing',
  metadata: { name, labels },
  ...extra,
});
const crd = (plural: string, group: string) => obj(`${plural}.${group}`, undefined, { spec: { group, names: { plural } } });
const NS = { groupResource: 'namespaces', namespaced: false };
const CRD = { groupResource: 'customresourcedefinitions.apiextensions.k8s.io', namespaced: false };
const CR = { groupResource: 'clusterroles.rbac.authorization.k8s.io', namespaced: false };
const PV = { groupResource: 'persistentvolumes', namespaced: false };

describe('namespaceIncluded', () => {
  const cases: [string, ResourceSelection, string, boolean][] = [
    ['default includes all', {}, 'anything', true],
    ['"*" includes all', { includedNamespaces: ['*'] }, 'kube-system', true],
    ['exclude wins over "*"', { includedNamespaces: ['*'], excludedNamespaces: ['kube-system'] }, 'kube-system', false],
    ['literal include', { includedNamespaces: ['team-a'] }, 'team-b', false],
    ['glob include', { includedNamespaces: ['team-*'] }, 'team-b', true],
    ['glob exclude wins over glob include', { includedNamespaces: ['team-*'], excludedNamespaces: ['*-tmp'] }, 'team-tmp', false],
  ];
  it.each(cases)('%s', (_d, sel, ns, want) => expect(namespaceIncluded(ns, sel)).toBe(want));
});

describe('resourceIncluded', () => {
  const cases: [string, ResourceSelection, string, boolean][] = [
    ['default includes all', {}, 'deployments.apps', true],
    ['events always excluded', {}, 'events', false],
    ['events.events.k8s.io always excluded', { includedResources: ['*'] }, 'events.events.k8s.io', false],
    ['nodes always excluded, even named', { includedResources: ['nodes'] }, 'nodes', false],
    ['core resource by plural', { includedResources: ['configmaps'] }, 'configmaps', true],
    ['group-resource literal', { includedResources: ['deployments.apps'] }, 'statefulsets.apps', false],
    ['group glob', { includedResources: ['*.cluster.x-k8s.io'] }, 'machines.cluster.x-k8s.io', true],
    ['group glob leaves others out', { includedResources: ['*.cluster.x-k8s.io'] }, 'secrets', false],
    ['wildcard include beside a literal', { includedResources: ['configmaps', '*'] }, 'secrets', true],
    ['exclude wins over include', { includedResources: ['*'], excludedResources: ['secrets'] }, 'secrets', false],
    ['exclude glob', { excludedResources: ['*.metrics.k8s.io'] }, 'pods.metrics.k8s.io', false],
    ['pods are kept (as Velero keeps them)', {}, 'pods', true],
  ];
  it.each(cases)('%s', (_d, sel, gr, want) => expect(resourceIncluded(gr, sel)).toBe(want));
});

describe('labelsMatch / objectSelected', () => {
  const cases: [string, Record<string, string> | undefined, Parameters<typeof labelsMatch>[1], boolean][] = [
    ['empty selector matches unlabelled', undefined, {}, true],
    ['matchLabels equal', { app: 'web' }, { matchLabels: { app: 'web' } }, true],
    ['matchLabels differ', { app: 'db' }, { matchLabels: { app: 'web' } }, false],
    ['In', { tier: 'b' }, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }, true],
    ['In without the key', {}, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }, false],
    ['NotIn without the key matches', {}, { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }, true],
    ['NotIn with a listed value', { tier: 'a' }, { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }, false],
    ['Exists', { x: '' }, { matchExpressions: [{ key: 'x', operator: 'Exists' }] }, true],
    ['DoesNotExist', { x: '1' }, { matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, false],
    ['labels AND expressions', { app: 'web', tier: 'a' }, { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b'] }] }, false],
  ];
  it.each(cases)('%s', (_d, labels, sel, want) => expect(labelsMatch(labels, sel)).toBe(want));

  it('orLabelSelectors select an object matching any of them', () => {
    const sel: ResourceSelection = { orLabelSelectors: [{ matchLabels: { a: '1' } }, { matchLabels: { b: '2' } }] };
    expect(objectSelected(obj('x', { b: '2' }), sel)).toBe(true);
    expect(objectSelected(obj('y', { a: '2', b: '1' }), sel)).toBe(false);
    expect(objectSelected(obj('z'), {})).toBe(true);
  });

  it('labelSelector and orLabelSelectors together must both hold', () => {
    const sel: ResourceSelection = { labelSelector: { matchLabels: { env: 'prod' } }, orLabelSelectors: [{ matchLabels: { a: '1' } }] };
    expect(objectSelected(obj('x', { env: 'prod', a: '1' }), sel)).toBe(true);
    expect(objectSelected(obj('y', { a: '1' }), sel)).toBe(false);
  });

  it('formats selectors for the server, and never pushes orLabelSelectors there', () => {
    expect(
      formatLabelSelector({
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 't', operator: 'In', values: ['a', 'b'] },
          { key: 'u', operator: 'NotIn', values: ['c'] },
          { key: 'v', operator: 'Exists' },
          { key: 'w', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('app=web,t in (a,b),u notin (c),v,!w');
    expect(formatLabelSelector({})).toBeUndefined();
    expect(serverLabelSelector({ labelSelector: { matchLabels: { a: '1' } }, orLabelSelectors: [{}] })).toBeUndefined();
    expect(serverLabelSelector({ labelSelector: { matchLabels: { a: '1' } } })).toEqual({ matchLabels: { a: '1' } });
  });
});

describe('includeClusterScoped', () => {
  const subset: ResourceSelection = { includedNamespaces: ['team-a'] };
  const widgets = new Set(['widgets.example.com']);
  const cases: [string, typeof NS, ResourceSelection, Parameters<typeof includeClusterScoped>[2], boolean][] = [
    ['namespaced resources are not its business', { groupResource: 'configmaps', namespaced: true }, { includeClusterResources: false }, {}, true],
    ['true: any cluster-scoped resource', PV, { ...subset, includeClusterResources: true }, { object: obj('pv-1') }, true],
    ['true: labels still apply', CR, { includeClusterResources: true, labelSelector: { matchLabels: { app: 'x' } } }, { object: obj('admin') }, false],
    ['true: excludedResources still apply', CR, { includeClusterResources: true, excludedResources: ['clusterroles.rbac.authorization.k8s.io'] }, {}, false],
    ['false: nothing cluster-scoped', PV, { includeClusterResources: false }, { object: obj('pv-1') }, false],
    ['false: not even CRDs', CRD, { ...subset, includeClusterResources: false }, { object: crd('widgets', 'example.com'), includedCustomResources: widgets }, false],
    ['false: still the Namespace of an included namespace', NS, { ...subset, includeClusterResources: false }, { object: obj('team-a') }, true],
    ['any mode: never the Namespace of an excluded namespace', NS, { includeClusterResources: true, excludedNamespaces: ['team-b'] }, { object: obj('team-b') }, false],
    ['unset + all namespaces: everything (Velero auto)', PV, {}, { object: obj('pv-1') }, true],
    ['unset + excluded namespaces: not "all" any more', PV, { excludedNamespaces: ['kube-system'] }, { object: obj('pv-1') }, false],
    ['unset + subset: not unrelated resources', CR, subset, {}, false],
    ['unset + subset: Namespace object of an included namespace', NS, subset, { object: obj('team-a') }, true],
    ['unset + subset: Namespace ignores label selectors', NS, { ...subset, labelSelector: { matchLabels: { app: 'x' } } }, { object: obj('team-a') }, true],
    ['unset + subset: not the Namespace of another namespace', NS, subset, { object: obj('team-b') }, false],
    ['unset + subset: the CRD of an included custom resource', CRD, subset, { object: crd('widgets', 'example.com'), includedCustomResources: widgets }, true],
    ['unset + subset: the CRD even when includedResources names only the CRs', CRD, { ...subset, includedResources: ['widgets.example.com'] }, { object: crd('widgets', 'example.com'), includedCustomResources: widgets }, true],
    ['unset + subset: not other CRDs', CRD, subset, { object: crd('gadgets', 'example.com'), includedCustomResources: widgets }, false],
    ['unset + subset: CRDs excluded by name stay out', CRD, { ...subset, excludedResources: ['customresourcedefinitions.apiextensions.k8s.io'] }, { object: crd('widgets', 'example.com'), includedCustomResources: widgets }, false],
    ['nodes never, even with true', { groupResource: 'nodes', namespaced: false }, { includeClusterResources: true }, {}, false],
  ];
  it.each(cases)('%s', (_d, res, sel, ctx, want) => expect(includeClusterScoped(res, sel, ctx)).toBe(want));
});

describe('includeClusterScoped: needed CRDs with includeClusterResources true', () => {
  it('keeps the CRD of a backed-up custom resource even when labels leave other CRDs out', () => {
    const sel: ResourceSelection = { includeClusterResources: true, labelSelector: { matchLabels: { app: 'x' } } };
    const ctx = { includedCustomResources: new Set(['widgets.example.com']) };
    expect(includeClusterScoped(CRD, sel, { ...ctx, object: crd('widgets', 'example.com') })).toBe(true);
    expect(includeClusterScoped(CRD, sel, { ...ctx, object: crd('gadgets', 'example.com') })).toBe(false);
  });
});
