// Patches, from Velero's "Restore Resource Modifiers" docs, its resource_modifiers tests and the
// merge/strategic patch design — each test names the documented behaviour it checks.
import { describe, expect, it } from 'vitest';
import { applyModifiers, compileModifiers } from '../../src/modifiers/apply.ts';
import { veleroValueToJson } from '../../src/modifiers/value.ts';
import type { ModifierJsonPatch } from '../../src/api/types.ts';
import { deployment, management, pvc, spec } from './helpers.ts';

type Obj = Record<string, any>;
const dep = (patches: ModifierJsonPatch[]) =>
  applyModifiers(spec({ conditions: { groupResource: 'deployments.apps' }, patches }), { groupResource: 'deployments.apps', object: deployment() });
const podSpec = (o: Obj) => o.spec.template.spec;

describe('patches (JSON patch, RFC 6902)', () => {
  it('docs: replace storageClassName with "premium" and remove label "test", in order', () => {
    const r = applyModifiers(
      spec({
        conditions: { groupResource: 'persistentvolumeclaims', resourceNameRegex: '^mysql.*$', namespaces: ['bar', 'foo'], labelSelector: { matchLabels: { foo: 'bar' } } },
        patches: [
          { operation: 'replace', path: '/spec/storageClassName', value: 'premium' },
          { operation: 'remove', path: '/metadata/labels/test' },
        ],
      }),
      { groupResource: 'persistentvolumeclaims', object: pvc('standard') },
    );
    expect((r.object as Obj).spec.storageClassName).toBe('premium');
    expect(r.object.metadata.labels).toEqual({ foo: 'bar' });
  });

  it('docs: add a container from an escaped JSON object value, then copy it to index 1', () => {
    const r = dep([
      { operation: 'add', path: '/spec/template/spec/containers/0', value: '{"name": "nginx2", "image": "nginx:1.14.2", "ports": [{"containerPort": 80}]}' },
      { operation: 'copy', from: '/spec/template/spec/containers/0', path: '/spec/template/spec/containers/1' },
    ]);
    const names = podSpec(r.object as Obj).containers.map((c: Obj) => c.name);
    expect(names).toEqual(['nginx2', 'nginx2', 'nginx', 'sidecar']);
    expect(podSpec(r.object as Obj).containers[1]).toEqual({ name: 'nginx2', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] });
  });

  it('RFC 6902 move: moves a value and removes it from its source', () => {
    const r = dep([{ operation: 'move', from: '/metadata/labels/app', path: '/metadata/labels/application' }]);
    expect(r.object.metadata.labels).toEqual({ application: 'nginx' });
  });

  it('docs: multiple patches on the same path — the last one wins', () => {
    const r = dep([
      { operation: 'replace', path: '/spec/replicas', value: '2' },
      { operation: 'replace', path: '/spec/replicas', value: '5' },
    ]);
    expect((r.object as Obj).spec.replicas).toBe(5);
  });

  it('docs: test passes → the following patches apply (Velero test "nginx deployment: 1 -> 2 replicas")', () => {
    const r = dep([
      { operation: 'test', path: '/spec/replicas', value: '1' },
      { operation: 'replace', path: '/spec/replicas', value: '2' },
    ]);
    expect((r.object as Obj).spec.replicas).toBe(2);
    expect(r.applied).toEqual([0]);
  });

  it('docs: a failed test skips the whole rule silently — no error, object untouched, even patches before the test', () => {
    const r = dep([
      { operation: 'replace', path: '/metadata/labels/app', value: 'changed' },
      { operation: 'test', path: '/spec/replicas', value: '5' },
      { operation: 'replace', path: '/spec/replicas', value: '2' },
    ]);
    expect(r.errors).toEqual([]);
    expect(r.skipped).toEqual([0]);
    expect(r.applied).toEqual([]);
    expect(r.object).toEqual(deployment());
  });

  it('json-patch: a test on a path whose parent is missing is an error, not a silent skip', () => {
    const r = dep([{ operation: 'test', path: '/spec/nothing/here', value: 'x' }]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].message).toMatch(/does not exist/);
  });

  it('json-patch: replace on a missing key is an error of that rule', () => {
    const r = dep([{ operation: 'replace', path: '/spec/paused', value: 'true' }]);
    expect(r.errors[0]).toMatchObject({ rule: 0 });
    expect(r.object).toEqual(deployment());
  });
});

describe('value strings → JSON (Velero addQuotes rules)', () => {
  it('numbers, booleans and null are JSON; other text is a string; empty is ""', () => {
    expect(veleroValueToJson('2', 'v')).toBe(2);
    expect(veleroValueToJson('-1.5e3', 'v')).toBe(-1500);
    expect(veleroValueToJson('true', 'v')).toBe(true);
    expect(veleroValueToJson('false', 'v')).toBe(false);
    expect(veleroValueToJson('null', 'v')).toBe(null);
    expect(veleroValueToJson('premium', 'v')).toBe('premium');
    expect(veleroValueToJson('', 'v')).toBe('');
    expect(veleroValueToJson(undefined, 'v')).toBe('');
  });

  it('Velero test "bool value as string": "\\"true\\"" is the string true; quoted numbers stay strings', () => {
    expect(veleroValueToJson('"true"', 'v')).toBe('true');
    expect(veleroValueToJson('"8080"', 'v')).toBe('8080');
    expect(veleroValueToJson('"null"', 'v')).toBe('null');
  });

  it('values starting with { or [ are JSON objects and arrays', () => {
    expect(veleroValueToJson('{"a": [1, {"b": null}]}', 'v')).toEqual({ a: [1, { b: null }] });
    expect(veleroValueToJson('[{"containerPort": 80}]', 'v')).toEqual([{ containerPort: 80 }]);
  });

  it('text Velero would paste as invalid JSON fails clearly (TRUE, 0x10, broken object)', () => {
    expect(() => veleroValueToJson('TRUE', 'rule')).toThrow(/write true/);
    expect(() => veleroValueToJson('0x10', 'rule')).toThrow(/not a JSON number/);
    expect(() => veleroValueToJson('{not json', 'rule')).toThrow(/not valid JSON/);
  });

  it('Velero test "configmap true false string": replacing data.test with "\\"false\\"" writes the string', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { test: 'true' } };
    const r = applyModifiers(spec({ conditions: { groupResource: 'configmaps', resourceNameRegex: '.*' }, patches: [{ operation: 'replace', path: '/data/test', value: '"false"' }] }), { groupResource: 'configmaps', object: cm });
    expect((r.object as Obj).data.test).toBe('false');
  });
});

describe('mergePatches (JSON merge patch, RFC 7386)', () => {
  const cm = () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1', namespace: 'fake', labels: { a: 'b', c: 'd' } }, data: { k: 'v' } });
  const merge = (patchData: string) => applyModifiers(spec({ conditions: { groupResource: 'configmaps' }, mergePatches: [{ patchData }] }), { groupResource: 'configmaps', object: cm() });

  it('Velero tests "update labels" (JSON) and "update labels in yaml format" give the same result', () => {
    expect(merge('{"metadata":{"labels":{"a":"c"}}}').object.metadata.labels).toEqual({ a: 'c', c: 'd' });
    expect(merge('metadata:\n  labels:\n    a: c\n').object.metadata.labels).toEqual({ a: 'c', c: 'd' });
  });

  it('Velero test "delete labels": null deletes a key; deleting a missing key is a no-op', () => {
    expect(merge('{"metadata":{"labels":{"a":null}}}').object.metadata.labels).toEqual({ c: 'd' });
    expect(merge('{"metadata":{"labels":{"zz":null}}}').object.metadata.labels).toEqual({ a: 'b', c: 'd' });
  });

  it('RFC 7386: lists are replaced, not merged', () => {
    const r = applyModifiers(spec({ conditions: { groupResource: 'deployments.apps' }, mergePatches: [{ patchData: 'spec: {template: {spec: {containers: [{name: only, image: "x:1"}]}}}' }] }), { groupResource: 'deployments.apps', object: deployment() });
    expect(podSpec(r.object as Obj).containers).toEqual([{ name: 'only', image: 'x:1' }]);
    expect(podSpec(r.object as Obj).volumes).toHaveLength(1);
  });

  it('patchData that is not an object (a list) fails the rule, reported at compile time', () => {
    const c = compileModifiers(spec({ conditions: { groupResource: 'configmaps' }, mergePatches: [{ patchData: '- a\n- b' }] }));
    expect(c.problems[0]).toMatchObject({ rule: 0, code: 'modifiers.merge-patch' });
    expect(c.apply({ groupResource: 'configmaps', object: cm() }).errors).toHaveLength(1);
  });
});

describe('strategicPatches (strategic merge patch)', () => {
  const smp = (patchData: string, object = deployment(), gr = 'deployments.apps') =>
    applyModifiers(spec({ conditions: { groupResource: gr }, strategicPatches: [{ patchData }] }), { groupResource: gr, object });

  it('design/Velero test "update image": containers merge by name, the other containers stay', () => {
    const r = smp('spec: {template: {spec: {containers: [{name: nginx, image: "nginx:1.27"}]}}}');
    const cs = podSpec(r.object as Obj).containers;
    expect(cs.map((c: Obj) => [c.name, c.image])).toEqual([
      ['nginx', 'nginx:1.27'],
      ['sidecar', 'busybox:1'],
    ]);
    expect(cs[0].env).toHaveLength(2); // untouched fields of the merged container are kept
  });

  it('env merges by name, container ports by containerPort, new elements appended', () => {
    const r = smp(JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'nginx', env: [{ name: 'B', value: '20' }, { name: 'C', value: '3' }], ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }] } } } }));
    const c = podSpec(r.object as Obj).containers[0];
    expect(c.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '20' },
      { name: 'C', value: '3' },
    ]);
    expect(c.ports).toEqual([{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }]);
  });

  it('Velero test "update a service port": service ports merge by port, $patch: delete, $setElementOrder', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'svc1', namespace: 'fake' },
      spec: { ports: [{ name: 'fake1', port: 8001, protocol: 'TCP', targetPort: 8001 }, { name: 'fake', port: 8000, protocol: 'TCP', targetPort: 8000 }, { name: 'fake2', port: 8002, protocol: 'TCP', targetPort: 8002 }] },
    };
    const r = smp('{"spec":{"$setElementOrder/ports":[{"port":8001},{"port":9000},{"port":8002}],"ports":[{"name":"fake","port":9000,"protocol":"TCP","targetPort":9000},{"$patch":"delete","port":8000}]}}', svc, 'services');
    expect((r.object as Obj).spec.ports.map((p: Obj) => p.port)).toEqual([8001, 9000, 8002]);
    expect((r.object as Obj).spec.ports[1]).toEqual({ name: 'fake', port: 9000, protocol: 'TCP', targetPort: 9000 });
  });

  it('Velero tests "replace nfs with pvc in volume": null removes nfs, and $retainKeys drops every other key', () => {
    const viaNull = smp('{"spec":{"template":{"spec":{"volumes":[{"nfs":null,"name":"data","persistentVolumeClaim":{"claimName":"pvc1"}}]}}}}');
    const viaRetain = smp('{"spec":{"template":{"spec":{"volumes":[{"$retainKeys":["name","persistentVolumeClaim"],"name":"data","persistentVolumeClaim":{"claimName":"pvc1"}}]}}}}');
    for (const r of [viaNull, viaRetain]) expect(podSpec(r.object as Obj).volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'pvc1' } }]);
  });

  it('$patch: delete removes a container by name; $patch: replace on a map replaces it whole', () => {
    const r = smp('spec: {template: {spec: {containers: [{name: sidecar, $patch: delete}], securityContext: {runAsUser: 1}}}}');
    expect(podSpec(r.object as Obj).containers.map((c: Obj) => c.name)).toEqual(['nginx']);
    const r2 = smp('spec: {template: {metadata: {labels: {$patch: replace, tier: web}}}}');
    expect((r2.object as Obj).spec.template.metadata.labels).toEqual({ tier: 'web' });
  });

  it('$patch: replace as a list element replaces the whole merge-key list', () => {
    const r = smp('spec: {template: {spec: {containers: [{$patch: replace}, {name: solo, image: "solo:1"}]}}}');
    expect(podSpec(r.object as Obj).containers).toEqual([{ name: 'solo', image: 'solo:1' }]);
  });

  it('lists without a merge key (tolerations) are replaced, like the apiserver', () => {
    const r = smp('spec: {template: {spec: {tolerations: [{key: b, operator: Exists}]}}}');
    expect(podSpec(r.object as Obj).tolerations).toEqual([{ key: 'b', operator: 'Exists' }]);
  });

  it('a merge-key list element without its key is an error of the rule; the item keeps its state', () => {
    const r = smp('spec: {template: {spec: {containers: [{image: "x:1"}]}}}');
    expect(r.errors[0].message).toMatch(/merge key name/);
    expect(r.object).toEqual(deployment());
  });

  it('metadata.finalizers of built-in kinds merge as a set; $deleteFromPrimitiveList removes entries', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', finalizers: ['a', 'b'] }, spec: { containers: [] } };
    const r = smp('metadata: {finalizers: [b, c], $deleteFromPrimitiveList/finalizers: [a]}', pod, 'pods');
    expect(r.object.metadata.finalizers).toEqual(['b', 'c']);
  });

  it('patchData is read as YAML 1.1 like sigs.k8s.io/yaml: an unquoted yes is the boolean true', () => {
    const r = smp('spec: {paused: yes}');
    expect((r.object as Obj).spec.paused).toBe(true);
  });

  it('custom resources have no merge keys: their lists are replaced, maps merged', () => {
    const r = smp('spec: {providers: [{name: k0smotron}]}', management(), 'managements.k0rdent.mirantis.com');
    expect((r.object as Obj).spec).toEqual({ release: 'kcm-1-2-0', providers: [{ name: 'k0smotron' }] });
  });
});

describe('rules together', () => {
  it('Velero test: rules [standard→premium, premium→gold] give premium — conditions read the original object', () => {
    const rule = (from: string, to: string) => ({ conditions: { groupResource: 'persistentvolumeclaims', matches: [{ path: '/spec/storageClassName', value: from }] }, patches: [{ operation: 'replace' as const, path: '/spec/storageClassName', value: to }] });
    const r = applyModifiers(spec(rule('standard', 'premium'), rule('premium', 'gold')), { groupResource: 'persistentvolumeclaims', object: pvc('standard') });
    expect((r.object as Obj).spec.storageClassName).toBe('premium');
    expect(r.applied).toEqual([0]);
  });

  it('Velero test: rules [standard→premium, standard→gold] give gold — patches accumulate in order', () => {
    const rule = (to: string) => ({ conditions: { groupResource: 'persistentvolumeclaims', matches: [{ path: '/spec/storageClassName', value: 'standard' }] }, patches: [{ operation: 'replace' as const, path: '/spec/storageClassName', value: to }] });
    const r = applyModifiers(spec(rule('premium'), rule('gold'), { conditions: { groupResource: 'persistentvolumeclaims' }, mergePatches: [{ patchData: 'metadata: {annotations: {restored: "yes"}}' }] }), { groupResource: 'persistentvolumeclaims', object: pvc('standard') });
    expect((r.object as Obj).spec.storageClassName).toBe('gold');
    expect(r.object.metadata.annotations).toEqual({ restored: 'yes' });
    expect(r.applied).toEqual([0, 1, 2]);
  });

  it('a patch error fails only that rule on that item: earlier and later rules still apply, the input is never modified', () => {
    const input = pvc('standard');
    const frozen = structuredClone(input);
    const c = compileModifiers(
      spec(
        { conditions: { groupResource: 'persistentvolumeclaims' }, patches: [{ operation: 'replace', path: '/spec/storageClassName', value: 'premium' }] },
        { conditions: { groupResource: 'persistentvolumeclaims' }, patches: [{ operation: 'add', path: '/metadata/labels/x', value: '1' }, { operation: 'remove', path: '/spec/missing' }] },
        { conditions: { groupResource: 'persistentvolumeclaims' }, patches: [{ operation: 'add', path: '/metadata/labels/after', value: 'yes' }] },
      ),
    );
    const r = c.apply({ groupResource: 'persistentvolumeclaims', object: input });
    expect(r.errors.map((e) => e.rule)).toEqual([1]);
    expect(r.applied).toEqual([0, 2]);
    expect((r.object as Obj).spec.storageClassName).toBe('premium');
    expect(r.object.metadata.labels).toEqual({ foo: 'bar', test: 'x', after: 'yes' }); // no "x": rule 1 dropped whole
    expect(input).toEqual(frozen);
    // another item is not affected by the failure
    const other = c.apply({ groupResource: 'persistentvolumeclaims', object: { ...pvc('standard'), spec: { storageClassName: 's', missing: 1 } } });
    expect(other.errors).toEqual([]);
  });

  it('k0rdent: replace /spec/release on managements.k0rdent.mirantis.com/kcm rolls the release back', () => {
    const c = compileModifiers(spec({ conditions: { groupResource: 'managements.k0rdent.mirantis.com', resourceNameRegex: '^kcm$' }, patches: [{ operation: 'replace', path: '/spec/release', value: 'kcm-1-1-0' }] }));
    const r = c.apply({ groupResource: 'managements.k0rdent.mirantis.com', object: management() });
    expect((r.object as Obj).spec.release).toBe('kcm-1-1-0');
    expect(r.applied).toEqual([0]);
    expect(c.apply({ groupResource: 'deployments.apps', object: management() }).applied).toEqual([]);
  });

  it('a rule whose patch kinds are all empty is an error when it matches ("no patch data found")', () => {
    const r = applyModifiers(spec({ conditions: { groupResource: 'configmaps' } }), { groupResource: 'configmaps', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } });
    expect(r.errors[0].message).toMatch(/no patch data found/);
  });

  it('a version other than v1 fails every item instead of throwing', () => {
    const r = applyModifiers({ version: 'v2' as 'v1', resourceModifierRules: [] }, { groupResource: 'configmaps', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } });
    expect(r.errors[0]).toMatchObject({ rule: -1 });
  });

  it('a compiled spec is reused across items and returns the same object when no rule applies', () => {
    const c = compileModifiers(spec({ conditions: { groupResource: 'configmaps' }, mergePatches: [{ patchData: 'data: {x: "1"}' }] }));
    const a = c.apply({ groupResource: 'configmaps', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } } });
    const b = c.apply({ groupResource: 'configmaps', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } } });
    (a.object as Obj).data.x = 'mutated';
    expect((b.object as Obj).data).toEqual({ x: '1' }); // patch data is copied, never shared
    const untouched = pvc('s');
    expect(c.apply({ groupResource: 'persistentvolumeclaims', object: untouched }).object).toBe(untouched);
  });
});
