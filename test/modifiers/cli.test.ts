// `cairn modifiers apply`, run as users run it: `node bin/cairn.js` in a child process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'cairn-modifiers-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function cairn(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/cairn.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const VELERO_RULES = `version: v1
resourceModifierRules:
- conditions:
    groupResource: managements.k0rdent.mirantis.com
    resourceNameRegex: "^kcm$"
  patches:
  - operation: replace
    path: /spec/release
    value: kcm-1-1-0
- conditions:
    groupResource: deployments.apps
    namespaces: [kcm-*]
  strategicPatches:
  - patchData: |
      spec:
        template:
          spec:
            containers:
            - name: manager
              image: kcm:1.1.0
`;

const MANIFESTS = `apiVersion: v1
kind: ConfigMap
metadata: {name: first, namespace: kcm-system}
data: {a: "1"}
---
apiVersion: k0rdent.mirantis.com/v1beta1
kind: Management
metadata:
  name: kcm
spec:
  release: kcm-1-2-0
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kcm-controller-manager
  namespace: kcm-system
spec:
  template:
    spec:
      containers:
      - name: manager
        image: kcm:1.2.0
      - name: proxy
        image: proxy:1
`;

describe('cairn modifiers apply', () => {
  const rules = file('rules.yaml', VELERO_RULES);
  const objs = file('objs.yaml', MANIFESTS);

  it('prints the changed objects as YAML documents in input order and lists rule → object on stderr', () => {
    const r = cairn('modifiers', 'apply', '--rules', rules, objs);
    expect(r.code, r.stderr).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    expect(docs.map((d) => d.metadata.name)).toEqual(['first', 'kcm', 'kcm-controller-manager']);
    expect(docs[0].data).toEqual({ a: '1' });
    expect(docs[1].spec.release).toBe('kcm-1-1-0');
    expect(docs[2].spec.template.spec.containers).toEqual([
      { name: 'manager', image: 'kcm:1.1.0' },
      { name: 'proxy', image: 'proxy:1' },
    ]);
    expect(r.stderr).toContain('rule 0 → managements.k0rdent.mirantis.com/kcm');
    expect(r.stderr).toContain('rule 1 → deployments.apps/kcm-system/kcm-controller-manager');
    expect(r.stderr).not.toContain('configmaps/kcm-system/first');
  });

  it('--output json prints a v1 List with the items in input order', () => {
    const r = cairn('modifiers', 'apply', '--rules', rules, '--output', 'json', objs);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.kind).toBe('List');
    expect(list.items.map((o: { kind: string }) => o.kind)).toEqual(['ConfigMap', 'Management', 'Deployment']);
    expect(list.items[1].spec.release).toBe('kcm-1-1-0');
  });

  it('accepts a Velero ConfigMap unchanged (one data key holding the rules)', () => {
    const indented = VELERO_RULES.split('\n').map((l) => (l ? `    ${l}` : l)).join('\n');
    const cm = file('velero-cm.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: restore-modifiers\n  namespace: velero\ndata:\n  resource-modifiers.yaml: |\n${indented}`);
    const r = cairn('modifiers', 'apply', '--rules', cm, objs);
    expect(r.code, r.stderr).toBe(0);
    expect(parseAllDocuments(r.stdout)[1].toJS().spec.release).toBe('kcm-1-1-0');
  });

  it('a rule error exits 1 naming the rule index and the object; the other objects are still printed', () => {
    const failing = file('failing.yaml', 'version: v1\nresourceModifierRules:\n- conditions: {groupResource: configmaps}\n  patches:\n  - {operation: remove, path: /data/missing}\n');
    const r = cairn('modifiers', 'apply', '--rules', failing, objs);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cairn modifiers apply: rule 0 failed on configmaps\/kcm-system\/first: .*\/data\/missing/m);
    expect(parseAllDocuments(r.stdout)).toHaveLength(3);
  });

  it('a bad rules file exits 2 with file:line errors', () => {
    const bad = file('bad.yaml', 'version: v1\nresourceModifierRules:\n- conditions:\n    groupResource: configmaps\n  patches:\n  - operation: explode\n    path: /x\n');
    const r = cairn('modifiers', 'apply', '--rules', bad, objs);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:6:`);
    expect(r.stdout).toBe('');
  });

  it('a manifest without kind exits 2 naming file:line', () => {
    const broken = file('broken.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\napiVersion: v1\nmetadata: {name: nokind}\n');
    const r = cairn('modifiers', 'apply', '--rules', rules, broken);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:\\d+: error: .*kind`));
  });

  it('--resource sets the group-resource of a kind whose plural is not the default', () => {
    const gw = file('gw.yaml', 'apiVersion: example.com/v1\nkind: Moose\nmetadata: {name: m}\nspec: {size: 1}\n');
    const r1 = file('moose-rules.yaml', 'version: v1\nresourceModifierRules:\n- conditions: {groupResource: moosen.example.com}\n  mergePatches:\n  - patchData: "spec: {size: 2}"\n');
    expect(cairn('modifiers', 'apply', '--rules', r1, gw).stderr).not.toContain('rule 0');
    const r = cairn('modifiers', 'apply', '--rules', r1, '--resource', 'Moose=moosen.example.com', gw);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('rule 0 → moosen.example.com/m');
    expect(parseAllDocuments(r.stdout)[0].toJS().spec.size).toBe(2);
  });
});
