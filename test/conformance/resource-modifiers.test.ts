// Velero's resource modifier tests, ported case by case (issue 15). Each case names the Velero
// file and test (velero-io/velero at d2241ad, internal/resourcemodifiers/); the objects and the
// expected results are Velero's, and "error" means Velero's ApplyResourceModifierRules returned
// errors for the item. Deliberate differences are marked:
//  - D3: a strategic merge patch on a kind outside Velero's built-in scheme. Velero refuses it
//    ("patch with unknown kind"); cairn applies it with the merge keys it knows (none for an
//    unknown kind: lists are replaced, maps merge), which is what a custom resource needs.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyModifiers } from '../../src/modifiers/apply.ts';
import { parseModifiersDocument } from '../../src/api/modifiers-file.ts';
import type { KubeObject } from '../../src/cluster/types.ts';
import type { ModifierJsonPatch, ModifierRule } from '../../src/api/types.ts';

const RM = 'internal/resourcemodifiers/resource_modifiers_test.go';
const obj = (yaml: string) => parse(yaml) as KubeObject;

// The fixtures of resource_modifiers_test.go.
const pvcSc = (sc: string): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'test-pvc', namespace: 'foo' }, spec: { storageClassName: sc } });
const deployNginx = (replicas: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'test-deployment', namespace: 'foo', labels: { app: 'nginx' } },
  spec: { replicas, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:latest' }] } } },
});
const cmData = (v: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'test-configmap', namespace: 'foo' }, data: { test: v } });
const podImage = (image: string) => obj(`apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod1\n  namespace: fake\nspec:\n  containers:\n  - image: ${image}\n    name: nginx\n`);
const podVolume = (source: string) =>
  obj(
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod1\n  namespace: fake\nspec:\n  containers:\n  - image: fake\n    name: fake\n    volumeMounts:\n    - mountPath: /fake1\n      name: vol1\n    - mountPath: /fake2\n      name: vol2\n  volumes:\n  - name: vol1\n${source}  - name: vol2\n    emptyDir: {}\n`,
  );
const NFS = '    nfs:\n      path: /fake2\n';
const PVC = '    persistentVolumeClaim:\n      claimName: pvc1\n';
const svcPort = (port: number) =>
  obj(
    `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc1\n  namespace: fake\nspec:\n  ports:\n  - name: fake1\n    port: 8001\n    protocol: TCP\n    targetPort: 8001\n  - name: fake\n    port: ${port}\n    protocol: TCP\n    targetPort: ${port}\n  - name: fake2\n    port: 8002\n    protocol: TCP\n    targetPort: 8002\n`,
  );
const cmLabels = (labels: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1', namespace: 'fake', labels } });

interface Case {
  velero: string;
  rules: ModifierRule[];
  object: KubeObject;
  groupResource: string;
  want: KubeObject;
  error?: boolean;
}

const testReplace = (from: string, to: string): ModifierJsonPatch[] => [
  { operation: 'test', path: '/spec/storageClassName', value: from },
  { operation: 'replace', path: '/spec/storageClassName', value: to },
];
const replicas = (from: string, to: string): ModifierJsonPatch[] => [
  { operation: 'test', path: '/spec/replicas', value: from },
  { operation: 'replace', path: '/spec/replicas', value: to },
];
const mergeA = (patchData: string) => [{ patchData }];

const cases: Case[] = [
  // ------------------------------------------------ TestResourceModifiers_ApplyResourceModifierRules
  {
    velero: `${RM} TestResourceModifiers_ApplyResourceModifierRules "configmap true false string"`,
    rules: [{ conditions: { groupResource: 'configmaps', resourceNameRegex: '.*' }, patches: [{ operation: 'replace', path: '/data/test', value: '"false"' }] }],
    object: cmData('true'),
    groupResource: 'configmaps',
    want: cmData('false'),
  },
  {
    velero: `${RM} TestResourceModifiers_ApplyResourceModifierRules "Invalid Regex throws error"`,
    rules: [{ conditions: { groupResource: 'persistentvolumeclaims', resourceNameRegex: '[a-z', namespaces: ['foo'] }, patches: testReplace('standard', 'premium') }],
    object: pvcSc('standard'),
    groupResource: 'persistentvolumeclaims',
    want: pvcSc('standard'),
    error: true,
  },
  {
    velero: `${RM} TestResourceModifiers_ApplyResourceModifierRules "pvc with standard storage class should be patched to premium"`,
    rules: [{ conditions: { groupResource: 'persistentvolumeclaims', resourceNameRegex: '.*', namespaces: ['foo'] }, patches: testReplace('standard', 'premium') }],
    object: pvcSc('standard'),
    groupResource: 'persistentvolumeclaims',
    want: pvcSc('premium'),
  },
  {
    velero: `${RM} TestResourceModifiers_ApplyResourceModifierRules "pvc with standard storage class should be patched to premium, even when rules are [standard => premium, premium => gold]"`,
    rules: [
      { conditions: { groupResource: 'persistentvolumeclaims', resourceNameRegex: '.*', matches: [{ path: '/spec/storageClassName', value: 'standard' }] }, patches: [{ operation: 'replace', path: '/spec/storageClassName', value: 'premium' }] },
      { conditions: { groupResource: 'persistentvolumeclaims', resourceNameRegex: '.*', matches: [{ path: '/spec/storageClassName', value: 'premium' }] }, patches: [{ operation: 'replace', path: '/spec/storageClassName', value: 'gold' }] },
    ],
    object: pvcSc('standard'),
    groupResource: 'persistentvolumeclaims',
    want: pvcSc('premium'),
  },
  {
    velero: `${RM} TestResourceModifiers_ApplyResourceModifierRules "pvc with standard storage class should be patched to gold, even when rules are [standard => premium, standard => gold]"`,
    rules: [
      { conditions: { groupResource: 'persistentvolumeclaims', resourceNameRegex: '.*', matches: [{ path: '/spec/storageClassName', value: 'standard' }] }, patches: [{ operation: 'replace', path: '/spec/storageClassName', value: 'premium' }] },
      { conditions: { groupResource: 'persistentvolumeclaims', resourceNameRegex: '.*', matches: [{ path: '/spec/storageClassName', value: 'standard' }] }, patches: [{ operation: 'replace', path: '/spec/storageClassName', value: 'gold' }] },
    ],
    object: pvcSc('standard'),
    groupResource: 'persistentvolumeclaims',
    want: pvcSc('gold'),
  },
  {
    velero: `${RM} TestResourceModifiers_ApplyResourceModifierRules "nginx deployment: 1 -> 2 replicas"`,
    rules: [{ conditions: { groupResource: 'deployments.apps', resourceNameRegex: '^test-.*$', namespaces: ['foo'] }, patches: replicas('1', '2') }],
    object: deployNginx(1),
    groupResource: 'deployments.apps',
    want: deployNginx(2),
  },
  {
    velero: `${RM} TestResourceModifiers_ApplyResourceModifierRules "nginx deployment: test operator fails, skips substitution, no error"`,
    rules: [{ conditions: { groupResource: 'deployments.apps', resourceNameRegex: '^test-.*$', namespaces: ['foo'] }, patches: replicas('5', '2') }],
    object: deployNginx(1),
    groupResource: 'deployments.apps',
    want: deployNginx(1),
  },
  {
    velero: `${RM} TestResourceModifiers_ApplyResourceModifierRules "nginx deployment: Empty Resource Regex"`,
    rules: [{ conditions: { groupResource: 'deployments.apps', namespaces: ['foo'] }, patches: replicas('1', '2') }],
    object: deployNginx(1),
    groupResource: 'deployments.apps',
    want: deployNginx(2),
  },
  {
    velero: `${RM} TestResourceModifiers_ApplyResourceModifierRules "nginx deployment: Empty Resource Regex  and namespaces list"`,
    rules: [{ conditions: { groupResource: 'deployments.apps' }, patches: replicas('1', '2') }],
    object: deployNginx(1),
    groupResource: 'deployments.apps',
    want: deployNginx(2),
  },
  {
    velero: `${RM} TestResourceModifiers_ApplyResourceModifierRules "nginx deployment: namespace doesn't match"`,
    rules: [{ conditions: { groupResource: 'deployments.apps', resourceNameRegex: '.*', namespaces: ['bar'] }, patches: replicas('1', '2') }],
    object: deployNginx(1),
    groupResource: 'deployments.apps',
    want: deployNginx(1),
  },
  {
    velero: `${RM} TestResourceModifiers_ApplyResourceModifierRules "nginx deployment: match label selector"`,
    rules: [{ conditions: { groupResource: 'deployments.apps', namespaces: ['foo'], labelSelector: { matchLabels: { app: 'nginx' } } }, patches: replicas('1', '2') }],
    object: deployNginx(1),
    groupResource: 'deployments.apps',
    want: deployNginx(2),
  },
  {
    velero: `${RM} TestResourceModifiers_ApplyResourceModifierRules "nginx deployment: mismatch label selector"`,
    rules: [{ conditions: { groupResource: 'deployments.apps', namespaces: ['foo'], labelSelector: { matchLabels: { app: 'nginx-mismatch' } } }, patches: replicas('1', '2') }],
    object: deployNginx(1),
    groupResource: 'deployments.apps',
    want: deployNginx(1),
  },
  // ------------------------------------ TestResourceModifiers_ApplyResourceModifierRules_StrategicMergePatch
  ...(
    [
      ['update image', 'pods', '{"spec":{"containers":[{"name":"nginx","image":"nginx1"}]}}', podImage('nginx'), podImage('nginx1')],
      ['update image with yaml format', 'pods', 'spec:\n  containers:\n  - name: nginx\n    image: nginx1', podImage('nginx'), podImage('nginx1')],
      ['replace nfs with pvc in volume', 'pods', '{"spec":{"volumes":[{"nfs":null,"name":"vol1","persistentVolumeClaim":{"claimName":"pvc1"}}]}}', podVolume(NFS), podVolume(PVC)],
      ['replace any other volume source with pvc in volume', 'pods', '{"spec":{"volumes":[{"$retainKeys":["name","persistentVolumeClaim"],"name":"vol1","persistentVolumeClaim":{"claimName":"pvc1"}}]}}', podVolume(NFS), podVolume(PVC)],
      [
        'update a service port',
        'services',
        '{"spec":{"$setElementOrder/ports":[{"port":8001},{"port":9000},{"port":8002}],"ports":[{"name":"fake","port":9000,"protocol":"TCP","targetPort":9000},{"$patch":"delete","port":8000}]}}',
        svcPort(8000),
        svcPort(9000),
      ],
    ] as [string, string, string, KubeObject, KubeObject][]
  ).map(
    ([name, gr, patchData, object, want]): Case => ({
      velero: `${RM} TestResourceModifiers_ApplyResourceModifierRules_StrategicMergePatch "${name}"`,
      rules: [{ conditions: { groupResource: gr, namespaces: ['fake'] }, strategicPatches: [{ patchData }] }],
      object,
      groupResource: gr,
      want,
    }),
  ),
  // --------------------------------------- TestResourceModifiers_ApplyResourceModifierRules_JSONMergePatch
  ...(
    [
      ['update labels', '{"metadata":{"labels":{"a":"c"}}}', { a: 'c', c: 'd' }],
      ['update labels in yaml format', 'metadata:\n  labels:\n    a: c', { a: 'c', c: 'd' }],
      ['delete labels', '{"metadata":{"labels":{"a":null}}}', { c: 'd' }],
      ['add labels', '{"metadata":{"labels":{"a":"b"}}}', { a: 'b', c: 'd' }],
    ] as [string, string, Record<string, string>][]
  ).map(
    ([name, patchData, labels]): Case => ({
      velero: `${RM} TestResourceModifiers_ApplyResourceModifierRules_JSONMergePatch "${name}"`,
      rules: [{ conditions: { groupResource: 'configmaps', namespaces: ['fake'] }, mergePatches: mergeA(patchData) }],
      object: name === 'add labels' ? cmLabels({ c: 'd' }) : cmLabels({ a: 'b', c: 'd' }),
      groupResource: 'configmaps',
      want: cmLabels(labels),
    }),
  ),
  {
    velero: `${RM} TestResourceModifiers_ApplyResourceModifierRules_JSONMergePatch "delete non-existing labels"`,
    rules: [{ conditions: { groupResource: 'configmaps', namespaces: ['fake'] }, mergePatches: mergeA('{"metadata":{"labels":{"a":null}}}') }],
    object: cmLabels({ c: 'd' }),
    groupResource: 'configmaps',
    want: cmLabels({ c: 'd' }),
  },
  // ------------------------------------------------------ TestResourceModifiers_wildcard_in_GroupResource
  {
    velero: `${RM} TestResourceModifiers_wildcard_in_GroupResource "match all groups and resources"`,
    rules: [{ conditions: { groupResource: '*', namespaces: ['fake'] }, mergePatches: mergeA('{"metadata":{"labels":{"a":"c"}}}') }],
    object: cmLabels({ a: 'b', c: 'd' }),
    groupResource: 'configmaps',
    want: cmLabels({ a: 'c', c: 'd' }),
  },
  {
    velero: `${RM} TestResourceModifiers_wildcard_in_GroupResource "match all resources in group apps"`,
    rules: [{ conditions: { groupResource: '*.apps', namespaces: ['fake'] }, mergePatches: mergeA('{"metadata":{"labels":{"a":"c"}}}') }],
    object: cmLabels({ a: 'b', c: 'd' }),
    groupResource: 'fake.apps',
    want: cmLabels({ a: 'c', c: 'd' }),
  },
  // ------------------------------------------------------------ TestResourceModifiers_conditional_patches
  ...(
    [
      ['match conditions and apply patches', '/metadata/labels/a', 'b', { a: 'c', c: 'd' }],
      ['mismatch conditions and skip patches', '/metadata/labels/a', 'c', { a: 'b', c: 'd' }],
      ['missing condition path and skip patches', '/metadata/labels/a/b', 'c', { a: 'b', c: 'd' }],
    ] as [string, string, string, Record<string, string>][]
  ).map(
    ([name, path, value, labels]): Case => ({
      velero: `${RM} TestResourceModifiers_conditional_patches "${name}"`,
      rules: [{ conditions: { groupResource: '*', namespaces: ['fake'], matches: [{ path, value }] }, mergePatches: mergeA('{"metadata":{"labels":{"a":"c"}}}') }],
      object: cmLabels({ a: 'b', c: 'd' }),
      groupResource: 'configmaps',
      want: cmLabels(labels),
    }),
  ),
  // ------------------------------------------------- json_merge_patch_test.go / strategic_merge_patch_test.go
  ...(
    [
      ['internal/resourcemodifiers/json_merge_patch_test.go TestJsonMergePatchFailure "patch with bad yaml"', 'mergePatches', 'a: b:'],
      ['internal/resourcemodifiers/json_merge_patch_test.go TestJsonMergePatchFailure "patch with bad json"', 'mergePatches', '{"a"::1}'],
      ['internal/resourcemodifiers/strategic_merge_patch_test.go TestStrategicMergePatchFailure "patch with bad yaml"', 'strategicPatches', 'a: b:'],
      ['internal/resourcemodifiers/strategic_merge_patch_test.go TestStrategicMergePatchFailure "patch with bad json"', 'strategicPatches', '{"a"::1}'],
    ] as [string, 'mergePatches' | 'strategicPatches', string][]
  ).map(
    ([velero, kind, patchData]): Case => ({
      velero,
      rules: [{ conditions: { groupResource: 'pods' }, [kind]: [{ patchData }] }],
      object: podImage('nginx'),
      groupResource: 'pods',
      want: podImage('nginx'),
      error: true,
    }),
  ),
  {
    velero: 'internal/resourcemodifiers/strategic_merge_patch_test.go TestStrategicMergePatchFailure "patch with unknown kind" — D3: cairn applies it',
    rules: [{ conditions: { groupResource: 'badkinds.example.com' }, strategicPatches: [{ patchData: '{"spec":{"items":["b"],"size":2}}' }] }],
    object: { apiVersion: 'example.com/v1', kind: 'BadKind', metadata: { name: 'x' }, spec: { items: ['a'], size: 1, keep: true } },
    groupResource: 'badkinds.example.com',
    want: { apiVersion: 'example.com/v1', kind: 'BadKind', metadata: { name: 'x' }, spec: { items: ['b'], size: 2, keep: true } },
  },
  // ---------------------------------------------------------------------------------- issue 15 item 6
  {
    velero: 'internal/resourcemodifiers/resource_modifiers.go applyPatch: a matching rule with no patches fails the item ("no patch data found")',
    rules: [{ conditions: { groupResource: 'configmaps' } }],
    object: cmLabels({ a: 'b' }),
    groupResource: 'configmaps',
    want: cmLabels({ a: 'b' }),
    error: true,
  },
  {
    velero: 'internal/resourcemodifiers/resource_modifiers.go applyPatch: a rule with no patches that matches nothing is harmless',
    rules: [{ conditions: { groupResource: 'secrets' } }],
    object: cmLabels({ a: 'b' }),
    groupResource: 'configmaps',
    want: cmLabels({ a: 'b' }),
  },
];

describe('Velero resource modifiers conformance', () => {
  it.each(cases.map((c) => [c.velero, c] as const))('%s', (_name, c) => {
    const r = applyModifiers({ version: 'v1', resourceModifierRules: c.rules }, { groupResource: c.groupResource, object: structuredClone(c.object) });
    expect(r.errors.length > 0).toBe(c.error ?? false);
    expect(r.object).toEqual(c.want);
  });
});

// internal/resourcemodifiers/resource_modifiers_validator_test.go TestResourceModifiers_Validate and
// TestJsonPatch_Validate, through cairn's loader (what `cairn validate` and a restore read).
describe('Velero resource modifiers validation conformance', () => {
  const VAL = 'internal/resourcemodifiers/resource_modifiers_validator_test.go';
  const pvcRule = { conditions: { groupResource: 'persistentvolumeclaims', resourceNameRegex: '.*', namespaces: ['bar', 'foo'] }, patches: [{ operation: 'replace', path: '/spec/storageClassName', value: 'premium' }] };
  it.each([
    [`${VAL} TestResourceModifiers_Validate "correct version, non 0 length ResourceModifierRules"`, { version: 'v1', resourceModifierRules: [pvcRule] }, true],
    [`${VAL} TestResourceModifiers_Validate "incorrect version, non 0 length ResourceModifierRules"`, { version: 'v2', resourceModifierRules: [pvcRule] }, false],
    [`${VAL} TestResourceModifiers_Validate "correct version, 0 length ResourceModifierRules"`, { version: 'v1', resourceModifierRules: [] }, false],
    [`${VAL} TestResourceModifiers_Validate "patch has invalid operation"`, { version: 'v1', resourceModifierRules: [{ ...pvcRule, patches: [{ operation: 'invalid', path: '/spec/storageClassName', value: 'premium' }] }] }, false],
    [`${VAL} TestResourceModifiers_Validate "Condition has empty GroupResource"`, { version: 'v1', resourceModifierRules: [{ ...pvcRule, conditions: { ...pvcRule.conditions, groupResource: '' } }] }, false],
    [`${VAL} TestResourceModifiers_Validate "More than one patch type in a rule"`, { version: 'v1', resourceModifierRules: [{ ...pvcRule, mergePatches: [{ patchData: '{"metadata":{"labels":{"a":null}}}' }] }] }, false],
    [`${VAL} TestJsonPatch_Validate "empty path throws error"`, { version: 'v1', resourceModifierRules: [{ ...pvcRule, patches: [{ operation: 'replace', path: '', value: 'premium' }] }] }, false],
    ['issue 15 item 6: a rule with conditions and no patches (ResourceModifierRule.Validate accepts it)', { version: 'v1', resourceModifierRules: [{ conditions: { groupResource: 'pods' } }] }, true],
    ['issue 15 item 9: a resourceNameRegex RE2 refuses (back-reference)', { version: 'v1', resourceModifierRules: [{ ...pvcRule, conditions: { groupResource: 'pods', resourceNameRegex: '(a)\\1' } }] }, false],
  ] as [string, unknown, boolean][])('%s', (_name, doc, valid) => {
    const parsed = parseModifiersDocument(doc, 'modifiers/rules.yaml');
    expect(parsed.errors.length === 0).toBe(valid);
    for (const e of parsed.errors) expect(e.file).toBe('modifiers/rules.yaml');
  });
});
