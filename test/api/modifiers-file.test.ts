// Resource modifiers in all three shapes (cairn kind, ConfigMap, bare Velero) read the same.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadModifiersFile, parseModifiersDocument } from '../../src/api/modifiers-file.ts';
import { API, writeRepo } from './fixtures.ts';

const VELERO = `version: v1
resourceModifierRules:
- conditions:
    groupResource: managements.k0rdent.mirantis.com
  patches:
  - operation: replace
    path: /spec/release
    value: kcm-1-0-0
  - operation: test
    path: /spec/replicas
    value: 3
`;
const indent = (s: string, n: number) => s.trimEnd().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
const SPEC = {
  version: 'v1',
  resourceModifierRules: [
    {
      conditions: { groupResource: 'managements.k0rdent.mirantis.com' },
      patches: [
        { operation: 'replace', path: '/spec/release', value: 'kcm-1-0-0' },
        // Velero reads every value as a string; 3 stays the JSON number 3 when patched.
        { operation: 'test', path: '/spec/replicas', value: '3' },
      ],
    },
  ],
};

describe('loadModifiersFile', () => {
  const dir = writeRepo({
    'bare.yaml': VELERO,
    'kind.yaml': `${API}\nkind: ResourceModifiers\nmetadata: {name: patch-release}\nspec:\n${indent(VELERO, 2)}\n`,
    'configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: patch-release\n  namespace: kcm-system\ndata:\n  sub-1: |\n${indent(VELERO, 4)}\n`,
    'two-docs.yaml': `${VELERO}---\n${VELERO}`,
    'cm-bad.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  rules: |\n    version: v1\n    resourceModifierRules:\n    - conditions: {}\n      patches: []\n`,
    'secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: x}\n',
  });

  it.each(['bare.yaml', 'kind.yaml', 'configmap.yaml'])('reads %s', async (f) => {
    expect(await loadModifiersFile(join(dir, f))).toEqual({ spec: SPEC, errors: [] });
  });

  it('points into the ConfigMap value at the line of the file', async () => {
    const r = await loadModifiersFile(join(dir, 'cm-bad.yaml'));
    expect(r.spec).toBeUndefined();
    expect(r.errors.map((e) => `${e.line}:${e.col} ${e.path}: ${e.message}`)).toEqual([
      '8:7 data.rules.resourceModifierRules[0].conditions.groupResource: missing required field',
    ]);
  });

  it('refuses a file with several documents, and a kind that holds no modifiers', async () => {
    const two = await loadModifiersFile(join(dir, 'two-docs.yaml'));
    expect(two.errors.map((e) => [e.line, e.col, e.message])).toEqual([[13, 1, 'the file holds 2 YAML documents; give one set of rules per file']]);
    const secret = await loadModifiersFile(join(dir, 'secret.yaml'));
    expect(secret.errors.map((e) => [e.line, e.col, e.path, e.code])).toEqual([[2, 7, 'kind', 'modifiers.form']]);
  });

  it('parses an already-decoded document, naming bare rules after the file', () => {
    const doc = parseModifiersDocument({ version: 'v1', resourceModifierRules: [{ conditions: { groupResource: 'pods' }, mergePatches: [{ patchData: 'metadata: {labels: {a: b}}' }] }] }, 'mods/relabel.yaml');
    expect(doc).toMatchObject({ form: 'velero', name: 'relabel', errors: [] });
    // Velero's ResourceModifierRule.Validate accepts a rule with conditions and no patches (issue 15 item 6).
    const noPatches = parseModifiersDocument({ version: 'v1', resourceModifierRules: [{ conditions: { groupResource: 'pods' } }] }, 'x.yaml');
    expect(noPatches.errors).toEqual([]);
    const bad = parseModifiersDocument({ version: 'v1', resourceModifierRules: [{ conditions: { groupResource: 'pods' }, patches: [{ operation: 'add', path: '/a' }], mergePatches: [{ patchData: '{}' }] }] }, 'x.yaml');
    expect(bad.errors.map((e) => [e.file, e.line, e.col, e.code])).toEqual([['x.yaml', 1, 1, 'modifiers.patches']]);
  });
});
