// Conditions, from Velero's "Restore Resource Modifiers" docs and the merge-patch design
// (wildcard groupResource, matches) — each test names the documented behaviour it checks.
import { describe, expect, it } from 'vitest';
import { applyModifiers, compileModifiers } from '../../src/modifiers/apply.ts';
import type { KubeObject } from '../../src/cluster/types.ts';
import { deployment, management, pvc, spec } from './helpers.ts';

const setPremium = { operation: 'replace' as const, path: '/spec/storageClassName', value: 'premium' };
const sc = (o: KubeObject) => (o.spec as { storageClassName?: string }).storageClassName;

describe('groupResource', () => {
  it('docs: groupResource "persistentvolumeclaims" names core resources without a group', () => {
    const r = applyModifiers(spec({ conditions: { groupResource: 'persistentvolumeclaims' }, patches: [setPremium] }), { groupResource: 'persistentvolumeclaims', object: pvc('standard') });
    expect(sc(r.object)).toBe('premium');
    expect(r.applied).toEqual([0]);
  });

  it('docs: a different groupResource does not match ("deployments.apps" vs a PVC)', () => {
    const r = applyModifiers(spec({ conditions: { groupResource: 'deployments.apps' }, patches: [setPremium] }), { groupResource: 'persistentvolumeclaims', object: pvc('standard') });
    expect(sc(r.object)).toBe('standard');
    expect(r.applied).toEqual([]);
  });

  it('design: "*.apps" applies to all resources of the apps group', () => {
    const c = compileModifiers(spec({ conditions: { groupResource: '*.apps' }, mergePatches: [{ patchData: 'metadata: {labels: {hit: "yes"}}' }] }));
    expect(c.apply({ groupResource: 'deployments.apps', object: deployment() }).applied).toEqual([0]);
    expect(c.apply({ groupResource: 'statefulsets.apps', object: deployment() }).applied).toEqual([0]);
    expect(c.apply({ groupResource: 'configmaps', object: deployment() }).applied).toEqual([]);
  });

  it('design: "*" applies to all resources in the core group only; "*.*" to one-label groups; "**" to all', () => {
    const rule = (g: string) => compileModifiers(spec({ conditions: { groupResource: g }, mergePatches: [{ patchData: '{"metadata":{"labels":{"hit":"y"}}}' }] }));
    const hits = (g: string, gr: string) => rule(g).apply({ groupResource: gr, object: pvc('x') }).applied.length === 1;
    expect(hits('*', 'configmaps')).toBe(true);
    expect(hits('*', 'deployments.apps')).toBe(false);
    expect(hits('*.*', 'deployments.apps')).toBe(true);
    expect(hits('*.*', 'managements.k0rdent.mirantis.com')).toBe(false); // gobwas '*' stops at '.'
    expect(hits('**', 'managements.k0rdent.mirantis.com')).toBe(true);
    expect(hits('*.k0rdent.mirantis.com', 'managements.k0rdent.mirantis.com')).toBe(true);
    expect(hits('{configmaps,secrets}', 'secrets')).toBe(true);
  });

  it('validator: an empty groupResource is an error of the rule, reported up front', () => {
    const c = compileModifiers(spec({ conditions: { groupResource: '' }, patches: [setPremium] }));
    expect(c.problems.map((p) => p.rule)).toEqual([0]);
    const r = c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('standard') });
    expect(r.errors[0]).toMatchObject({ rule: 0 });
    expect(r.errors[0].message).toMatch(/groupResource is required/);
  });
});

describe('namespaces', () => {
  const rule = (namespaces: string[]) => compileModifiers(spec({ conditions: { groupResource: 'persistentvolumeclaims', namespaces }, patches: [setPremium] }));

  it('docs: applies only in the listed namespaces (bar, foo)', () => {
    const c = rule(['bar', 'foo']);
    expect(sc(c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('standard', { namespace: 'foo' }) }).object)).toBe('premium');
    expect(sc(c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('standard', { namespace: 'baz' }) }).object)).toBe('standard');
  });

  it('namespaces are globs (Velero IncludesExcludes): "team-*" matches team-a, not teamb', () => {
    const c = rule(['team-*']);
    expect(c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('s', { namespace: 'team-a' }) }).applied).toEqual([0]);
    expect(c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('s', { namespace: 'teamb' }) }).applied).toEqual([]);
  });

  it('docs: the namespace is the original namespace of the backed-up resource, not the mapped one', () => {
    const c = rule(['foo']);
    const restored = pvc('standard', { namespace: 'foo-restored' }); // already mapped by the restore
    expect(c.apply({ groupResource: 'persistentvolumeclaims', namespace: 'foo', object: restored }).applied).toEqual([0]);
    expect(c.apply({ groupResource: 'persistentvolumeclaims', namespace: 'foo-restored', object: pvc('standard', { namespace: 'foo' }) }).applied).toEqual([]);
  });

  it('design: with "*.group" and namespaces, cluster-scoped resources of the group are patched too', () => {
    const c = compileModifiers(spec({ conditions: { groupResource: '*.k0rdent.mirantis.com', namespaces: ['kcm-system'] }, mergePatches: [{ patchData: 'spec: {release: kcm-1-3-0}' }] }));
    const r = c.apply({ groupResource: 'managements.k0rdent.mirantis.com', object: management() });
    expect(r.applied).toEqual([0]);
    expect((r.object.spec as { release: string }).release).toBe('kcm-1-3-0');
  });
});

describe('resourceNameRegex', () => {
  const rule = (re: string) => compileModifiers(spec({ conditions: { groupResource: 'persistentvolumeclaims', resourceNameRegex: re }, patches: [setPremium] }));

  it('docs: "^mysql.*$" matches names starting with mysql only', () => {
    const c = rule('^mysql.*$');
    expect(c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('s', { name: 'mysql-0' }) }).applied).toEqual([0]);
    expect(c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('s', { name: 'pg-mysql' }) }).applied).toEqual([]);
  });

  it('Go regexp.MatchString is unanchored, and Go inline flags like (?i) work', () => {
    expect(rule('sql').apply({ groupResource: 'persistentvolumeclaims', object: pvc('s', { name: 'pg-mysql-1' }) }).applied).toEqual([0]);
    expect(rule('(?i)^MYSQL').apply({ groupResource: 'persistentvolumeclaims', object: pvc('s', { name: 'mysql-1' }) }).applied).toEqual([0]);
  });

  it('Velero test "Invalid Regex throws error": the item gets an error and is left unchanged', () => {
    const c = rule('[a-z');
    expect(c.problems[0]).toMatchObject({ rule: 0, code: 'modifiers.regex' });
    const r = c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('standard') });
    expect(r.errors).toHaveLength(1);
    expect(sc(r.object)).toBe('standard');
  });

  it('RE2 has no look-around, so a look-ahead regex fails as it would in Velero', () => {
    const { code, message } = rule('^(?!kube-)').problems[0];
    expect([code, message]).toEqual(['modifiers.regex', '"^(?!kube-)" is not a valid RE2 (Go) regular expression: invalid or unsupported Perl syntax: `(?!`']);
  });
});

describe('labelSelector', () => {
  it('docs: matchLabels foo: bar must match; Velero test "mismatch label selector" skips the rule', () => {
    const c = compileModifiers(spec({ conditions: { groupResource: 'persistentvolumeclaims', labelSelector: { matchLabels: { foo: 'bar' } } }, patches: [setPremium] }));
    expect(c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('s', { labels: { foo: 'bar' } }) }).applied).toEqual([0]);
    expect(c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('s', { labels: { foo: 'baz' } }) }).applied).toEqual([]);
    expect(c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('s', { labels: {} }) }).applied).toEqual([]);
  });

  it('metav1.LabelSelector matchExpressions: In, NotIn (absent key matches), Exists, DoesNotExist', () => {
    const c = compileModifiers(
      spec({
        conditions: {
          groupResource: 'persistentvolumeclaims',
          labelSelector: {
            matchExpressions: [
              { key: 'tier', operator: 'In', values: ['db', 'cache'] },
              { key: 'env', operator: 'NotIn', values: ['prod'] },
              { key: 'app', operator: 'Exists' },
              { key: 'legacy', operator: 'DoesNotExist' },
            ],
          },
        },
        patches: [setPremium],
      }),
    );
    const hit = (labels: Record<string, string>) => c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('s', { labels }) }).applied.length === 1;
    expect(hit({ tier: 'db', app: 'x' })).toBe(true);
    expect(hit({ tier: 'db', app: 'x', env: 'dev' })).toBe(true);
    expect(hit({ tier: 'db', app: 'x', env: 'prod' })).toBe(false);
    expect(hit({ tier: 'web', app: 'x' })).toBe(false);
    expect(hit({ tier: 'db' })).toBe(false);
    expect(hit({ tier: 'db', app: 'x', legacy: 'true' })).toBe(false);
  });

  it('an invalid selector (In without values) is an error of the rule, as LabelSelectorAsSelector fails', () => {
    const c = compileModifiers(spec({ conditions: { groupResource: 'persistentvolumeclaims', labelSelector: { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] } }, patches: [setPremium] }));
    expect(c.problems[0].code).toBe('modifiers.selector');
    expect(c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('s') }).errors[0].rule).toBe(0);
  });
});

describe('matches', () => {
  it('design: matches /spec/storageClassName = premium applies the merge patch only to premium PVCs', () => {
    const c = compileModifiers(
      spec({
        conditions: { groupResource: 'persistentvolumeclaims', matches: [{ path: '/spec/storageClassName', value: 'premium' }] },
        mergePatches: [{ patchData: '{"metadata":{"labels":{"test":null}}}' }],
      }),
    );
    const premium = c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('premium') });
    expect(premium.object.metadata.labels).toEqual({ foo: 'bar' });
    expect(c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('standard') }).applied).toEqual([]);
  });

  it('design: all matches must hold; Velero test "missing condition path" skips without error', () => {
    const c = compileModifiers(
      spec({
        conditions: {
          groupResource: '*',
          matches: [
            { path: '/spec/storageClassName', value: 'premium' },
            { path: '/metadata/labels/foo/deeper', value: 'x' },
          ],
        },
        patches: [setPremium],
      }),
    );
    const r = c.apply({ groupResource: 'persistentvolumeclaims', object: pvc('premium') });
    expect(r.applied).toEqual([]);
    expect(r.errors).toEqual([]);
  });

  it('match values use the patch value rules: "1" is the number 1, "\\"1\\"" the string "1"', () => {
    const rule = (value: string) => compileModifiers(spec({ conditions: { groupResource: 'deployments.apps', matches: [{ path: '/spec/replicas', value }] }, patches: [{ operation: 'replace', path: '/spec/replicas', value: '3' }] }));
    expect(rule('1').apply({ groupResource: 'deployments.apps', object: deployment() }).applied).toEqual([0]);
    expect(rule('"1"').apply({ groupResource: 'deployments.apps', object: deployment() }).applied).toEqual([]);
  });
});
