// `cairn modifiers apply --rules <file> <manifest files…>`: shows what a set of Velero-format
// resource modifiers would do to some objects, before a restore uses them. Prints the objects as
// the rules leave them (YAML multi-document in input order, or a JSON v1 List) on stdout, and on
// stderr which rule touched which object ("rule 0 → managements.k0rdent.mirantis.com/kcm",
// namespaced objects as "deployments.apps/team-a/web").
// Exit codes: 0 all rules applied cleanly; 1 a rule failed on some object (named on stderr);
// 2 unusable input — the rules file or a manifest does not load (file:line:col errors).
// The group-resource of each object comes from apiVersion + kind (plural = lower-cased kind + "s",
// with the irregular plurals); `--resource Kind=plural.group` sets it for kinds whose plural differs.
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { loadModifiersFile } from '../api/modifiers-file.ts';
import { formatErrors } from '../api/format.ts';
import { validationError } from '../api/errors.ts';
import { readYamlFile } from '../api/yaml-source.ts';
import type { ValidationError } from '../api/types.ts';
import type { KubeObject } from '../api/kube-object.ts';
import { compileModifiers } from '../modifiers/apply.ts';
import { groupResourceOf } from '../modifiers/group-resource.ts';
import { stringifyExact } from '../exact-json.ts';

interface ApplyOptions {
  rules: string;
  output: 'yaml' | 'json';
  resource: string[];
}

interface Manifest {
  object: KubeObject;
  groupResource: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerModifiers(program: Command): void {
  const modifiers = program.command('modifiers').description('Velero-format resource modifiers');
  modifiers
    .command('apply')
    .description('Print manifests as the resource modifier rules would change them, and which rule touched which object')
    .requiredOption('--rules <file>', 'resource modifiers: kind ResourceModifiers, a Velero ConfigMap, or bare Velero "version: v1" YAML')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('--resource <kind=group-resource>', 'group-resource for a kind, e.g. Gateway=gateways.gateway.networking.k8s.io (repeatable)', collect, [])
    .argument('<manifests...>', 'YAML files holding the objects (several documents and kind: List allowed)')
    .action(async (files: string[], opts: ApplyOptions) => {
      process.exitCode = await applyCommand(files, opts);
    });
}

function parseResourceOverrides(values: string[]): Map<string, string> | string {
  const out = new Map<string, string>();
  for (const v of values) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=([a-z0-9][a-z0-9.-]*)$/.exec(v);
    if (!m) return `--resource ${JSON.stringify(v)}: expected <Kind>=<resource.group>, e.g. Gateway=gateways.gateway.networking.k8s.io`;
    out.set(m[1].toLowerCase(), m[2]);
  }
  return out;
}

async function readManifests(files: string[], overrides: Map<string, string>): Promise<{ manifests: Manifest[]; errors: ValidationError[] }> {
  const manifests: Manifest[] = [];
  const errors: ValidationError[] = [];
  for (const path of files) {
    const file = path.split('\\').join('/');
    let parsed;
    try {
      parsed = await readYamlFile(resolve(path), file);
    } catch (err) {
      errors.push(validationError(file, { line: 1, col: 1 }, 'file.read', '', `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`));
      continue;
    }
    errors.push(...parsed.errors);
    for (const doc of parsed.docs) {
      if (doc.value === undefined) continue;
      const v = doc.value as Record<string, unknown>;
      const isList = typeof v === 'object' && v !== null && typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items);
      const items: [unknown, (string | number)[]][] = isList ? (v.items as unknown[]).map((it, i) => [it, ['items', i]]) : [[v, []]];
      for (const [item, base] of items) {
        const o = item as Record<string, unknown> | null;
        const meta = o && typeof o === 'object' ? (o.metadata as Record<string, unknown> | undefined) : undefined;
        const missing = !o || typeof o !== 'object' || Array.isArray(o) ? '' : typeof o.apiVersion !== 'string' ? 'apiVersion' : typeof o.kind !== 'string' ? 'kind' : typeof meta?.name !== 'string' ? 'metadata.name' : undefined;
        if (missing !== undefined) {
          const at = doc.locator.locate(missing ? [...base, ...missing.split('.').slice(0, 1)] : base);
          errors.push(validationError(file, at, 'manifest.object', missing, missing ? `every object needs ${missing}` : 'expected a Kubernetes object (a mapping with apiVersion, kind, metadata.name)'));
          continue;
        }
        const object = o as KubeObject;
        const groupResource = overrides.get(object.kind.toLowerCase()) ?? groupResourceOf(object.apiVersion, object.kind);
        manifests.push({ object, groupResource });
      }
    }
  }
  return { manifests, errors };
}

function describeObject(m: Manifest): string {
  const ns = m.object.metadata.namespace;
  return `${m.groupResource}/${ns ? `${ns}/` : ''}${m.object.metadata.name}`;
}

async function applyCommand(files: string[], opts: ApplyOptions): Promise<number> {
  const err = (line: string) => process.stderr.write(`${line}\n`);
  const overrides = parseResourceOverrides(opts.resource);
  if (typeof overrides === 'string') {
    err(`cairn modifiers apply: ${overrides}`);
    return 2;
  }
  let rules;
  try {
    rules = await loadModifiersFile(opts.rules);
  } catch (e) {
    err(`cairn modifiers apply: cannot read the rules file ${opts.rules}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 2;
  }
  if (!rules.spec) {
    err(formatErrors(rules.errors, 'text'));
    return 2;
  }
  const { manifests, errors } = await readManifests(files, overrides);
  if (errors.length > 0) {
    err(formatErrors(errors, 'text'));
    return 2;
  }

  const compiled = compileModifiers(rules.spec);
  for (const p of compiled.problems) err(`${opts.rules}: warning: ${p.rule >= 0 ? `rule ${p.rule}: ` : ''}${p.message}`);
  let failed = false;
  const results: KubeObject[] = [];
  for (const m of manifests) {
    const r = compiled.apply({ groupResource: m.groupResource, namespace: m.object.metadata.namespace, object: m.object });
    for (const i of r.applied) err(`rule ${i} → ${describeObject(m)}`);
    for (const i of r.skipped) err(`rule ${i} skipped (a test operation failed) → ${describeObject(m)}`);
    for (const e of r.errors) {
      failed = true;
      err(`cairn modifiers apply: ${e.rule >= 0 ? `rule ${e.rule}` : 'rules'} failed on ${describeObject(m)}: ${e.message}`);
    }
    results.push(r.object);
  }

  if (opts.output === 'json') process.stdout.write(`${stringifyExact({ apiVersion: 'v1', kind: 'List', items: results }, 2)}\n`);
  else process.stdout.write(results.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
  return failed ? 1 : 0;
}
