// planLists: which lists a backup makes. No object may be in two lists (backup/list-keys.ts
// checks repeats per list only), so each resource is listed once per namespace or once across all.
import { describe, expect, it } from 'vitest';
import { keepObject, planLists } from '../../src/backup/collect.ts';
import type { ApiResource } from '../../src/cluster/types.ts';

function res(group: string, resource: string, namespaced: boolean, kind = ''): ApiResource {
  return { group, version: 'v1', resource, kind, namespaced, verbs: ['list'], groupResource: group ? `${resource}.${group}` : resource };
}

const CONFIGMAPS = res('', 'configmaps', true, 'ConfigMap');
const NAMESPACES = res('', 'namespaces', false, 'Namespace');
const CRDS = res('apiextensions.k8s.io', 'customresourcedefinitions', false, 'CustomResourceDefinition');

const summary = (tasks: ReturnType<typeof planLists>) => tasks.map((t) => `${t.res.groupResource}${t.namespace ? `@${t.namespace}` : ''}${t.deferred ? ' (deferred)' : ''}`);

describe('planLists', () => {
  it('lists a namespaced resource once per named namespace, each name once', () => {
    expect(summary(planLists([CONFIGMAPS, NAMESPACES], { includedNamespaces: ['b', 'a', 'b'] }))).toEqual(['configmaps@a', 'configmaps@b', 'namespaces (deferred)']);
  });

  it('lists across all namespaces once when the namespaces are a glob', () => {
    expect(summary(planLists([CONFIGMAPS, NAMESPACES, CRDS], { includedNamespaces: ['team-*'] }))).toEqual(['configmaps', 'namespaces (deferred)', 'customresourcedefinitions.apiextensions.k8s.io (deferred)']);
  });

  it('lists a resource that discovery reported twice once', () => {
    const again = { ...CONFIGMAPS, version: 'v1beta1' };
    const tasks = planLists([CONFIGMAPS, again, NAMESPACES, NAMESPACES], { includedNamespaces: ['a'] });
    expect(summary(tasks)).toEqual(['configmaps@a', 'namespaces (deferred)']);
    expect(tasks[0].res.version).toBe('v1');
  });
});

describe('keepObject: what Velero\'s itemInclusionChecks refuse whatever the selection says', () => {
  const found = { resources: new Set<string>(), namespaces: new Set<string>() };
  const cm = (metadata: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns-1', ...metadata } });
  it('pkg/backup/backup_test.go TestBackupOldResourceFiltering "terminating resources are not backed up"', () => {
    // The simulator deletes at once, so no listed object carries a deletionTimestamp there; the
    // list scanner picks the field (test/cluster/list-scan.test.ts) and this is the rule.
    expect(keepObject(CONFIGMAPS, cm({}), {}, found)).toBe(true);
    expect(keepObject(CONFIGMAPS, cm({ deletionTimestamp: '2026-01-02T04:00:00Z' }), {}, found)).toBe(false);
    expect(keepObject(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns-1', deletionTimestamp: '2026-01-02T04:00:00Z' } }, {}, found)).toBe(false);
  });
  it('velero.io/exclude-from-backup and cairn.dev/exclude-from-backup, exactly "true"', () => {
    expect(keepObject(CONFIGMAPS, cm({ labels: { 'velero.io/exclude-from-backup': 'true' } }), {}, found)).toBe(false);
    expect(keepObject(CONFIGMAPS, cm({ labels: { 'cairn.dev/exclude-from-backup': 'true' } }), {}, found)).toBe(false);
    expect(keepObject(CONFIGMAPS, cm({ labels: { 'velero.io/exclude-from-backup': 'TRUE' } }), {}, found)).toBe(true);
  });
});
