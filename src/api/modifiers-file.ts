// ResourceModifiers in the three shapes people have them in:
//   1. kind: ResourceModifiers (cairn's wrapper; spec is Velero's format)
//   2. a ConfigMap whose `data` has exactly one key holding Velero's YAML (what Velero itself reads)
//   3. bare Velero YAML: `version: v1` + `resourceModifierRules` at the top level
// Used by the repository loader (modifiers/) and by `cairn modifiers --rules <file>`.
import { basename, extname } from 'node:path';
import { API_VERSION, type ResourceModifiersSpec, type ValidationError } from './types.ts';
import { issue, type Issue, type PathSegment } from './errors.ts';
import type { Locator } from './locate.ts';
import { findInlineCredentials } from './credentials.ts';
import { validateVeleroModifiers } from './schema.ts';
import { checkVeleroModifiers } from './checks.ts';
import { combineIssues, toErrors, validateObject } from './document.ts';
import { parseYamlText, readYamlFile } from './yaml-source.ts';

export type ModifiersForm = 'ResourceModifiers' | 'ConfigMap' | 'velero';

export interface ModifiersDocument {
  form?: ModifiersForm;
  /** metadata.name of the wrapper; for bare Velero YAML, the file's name without extension. */
  name?: string;
  /** The validated rules (defaults applied); absent when there are errors. */
  spec?: ResourceModifiersSpec;
  errors: ValidationError[];
}

const CONFIGMAP_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'data', 'binaryData', 'immutable']);

type Obj = Record<string, unknown>;
function obj(v: unknown): Obj | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function detectModifiersForm(value: unknown): ModifiersForm | undefined {
  const o = obj(value);
  if (!o) return undefined;
  if (o.kind === 'ResourceModifiers') return 'ResourceModifiers';
  if (o.kind === 'ConfigMap') return 'ConfigMap';
  if (o.kind === undefined && ('resourceModifierRules' in o || 'version' in o)) return 'velero';
  return undefined;
}

/** Velero decodes a patch or match `value` into a string; numbers and booleans are written as such. */
function normalizeValues(spec: ResourceModifiersSpec): ResourceModifiersSpec {
  for (const rule of spec.resourceModifierRules) {
    for (const p of rule.patches ?? []) if (p.value !== undefined && typeof p.value !== 'string') p.value = String(p.value);
    for (const m of rule.conditions.matches ?? []) if (typeof m.value !== 'string') m.value = String(m.value);
  }
  return spec;
}

/**
 * A patch or match `value` written as an integer beyond 2^53 arrives as a bigint (yaml-source.ts):
 * it becomes its exact decimal text before validation, as normalizeValues does for other numbers.
 */
function exactValues(value: unknown): void {
  const rules = obj(value)?.resourceModifierRules;
  if (!Array.isArray(rules)) return;
  for (const rule of rules) {
    const r = obj(rule);
    const lists = [r?.patches, obj(r?.conditions)?.matches];
    for (const list of lists) {
      if (!Array.isArray(list)) continue;
      for (const p of list) if (typeof obj(p)?.value === 'bigint') obj(p)!.value = String(obj(p)!.value);
    }
  }
}

function veleroIssues(value: unknown, base: PathSegment[]): Issue[] {
  exactValues(value);
  return combineIssues(findInlineCredentials(value, 'ResourceModifiers'), validateVeleroModifiers(value), checkVeleroModifiers(value, base));
}

function parseConfigMap(cm: Obj, file: string, locator: Locator | undefined): ModifiersDocument {
  const name = typeof obj(cm.metadata)?.name === 'string' ? (obj(cm.metadata)!.name as string) : undefined;
  const owner = { kind: 'ResourceModifiers' as const, name };
  const issues: Issue[] = [];
  if (cm.apiVersion !== 'v1') issues.push(issue('configmap.api-version', ['apiVersion'], `a ConfigMap has apiVersion "v1"`));
  for (const k of Object.keys(cm)) {
    if (!CONFIGMAP_FIELDS.has(k)) issues.push(issue('schema.unknown-field', [k], `unknown ConfigMap field; allowed: ${[...CONFIGMAP_FIELDS].join(', ')}`, 'key'));
  }
  if (name === undefined) issues.push(issue('schema.required', ['metadata', 'name'], 'missing required field'));
  else if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
    issues.push(issue('schema.pattern', ['metadata', 'name'], `"${name}" is not a DNS-1123 label: use lowercase letters, digits and '-', starting and ending with a letter or digit`));
  }
  const data = obj(cm.data);
  const keys = data ? Object.keys(data) : [];
  if (!data) issues.push(issue('configmap.data', ['data'], 'a ConfigMap of resource modifiers needs `data` with exactly one key holding the Velero YAML'));
  else if (keys.length !== 1) issues.push(issue('configmap.data', ['data'], `must have exactly one key holding the Velero YAML (found ${keys.length}${keys.length ? `: ${keys.join(', ')}` : ''})`));
  const errors = toErrors(issues, file, locator, owner);
  if (!data || keys.length !== 1) return { form: 'ConfigMap', name, errors };

  const key = keys[0];
  const text = data[key];
  if (typeof text !== 'string') {
    errors.push(...toErrors([issue('configmap.data', ['data', key], 'must be a string holding the Velero YAML (use a block: `key: |`)')], file, locator, owner));
    return { form: 'ConfigMap', name, errors };
  }
  const shift = locator?.embeddedShift?.(['data', key]);
  const inner = parseYamlText(text, file, shift);
  errors.push(...inner.errors.map((e) => ({ ...e, path: e.path || `data[${JSON.stringify(key)}]`, kind: owner.kind, ...(name ? { name } : {}) })));
  const docs = inner.docs;
  if (inner.errors.length > 0) return { form: 'ConfigMap', name, errors };
  if (docs.length !== 1) {
    errors.push(...toErrors([issue('configmap.data', ['data', key], `must hold exactly one YAML document (found ${docs.length})`)], file, locator, owner));
    return { form: 'ConfigMap', name, errors };
  }
  const value = docs[0].value;
  errors.push(...toErrors(veleroIssues(value, []), file, docs[0].locator, owner, ['data', key]));
  return errors.length ? { form: 'ConfigMap', name, errors } : { form: 'ConfigMap', name, spec: normalizeValues(value as ResourceModifiersSpec), errors };
}

/**
 * Validates one YAML document holding resource modifiers, in any of the three forms.
 * `locator` pins errors to positions (without it every error is at 1:1); `stem` names bare
 * Velero documents (default: the file's name without extension).
 */
export function parseModifiersDocument(value: unknown, file: string, locator?: Locator, stem?: string): ModifiersDocument {
  const form = detectModifiersForm(value);
  const o = obj(value);
  if (form === 'ConfigMap') return parseConfigMap(o!, file, locator);
  if (form === 'velero') {
    const name = stem ?? basename(file, extname(file));
    const errors = toErrors(veleroIssues(value, []), file, locator, { kind: 'ResourceModifiers', name });
    return errors.length ? { form, name, errors } : { form, name, spec: normalizeValues(value as ResourceModifiersSpec), errors };
  }
  if (form === 'ResourceModifiers') {
    const name = typeof obj(o!.metadata)?.name === 'string' ? (obj(o!.metadata)!.name as string) : undefined;
    exactValues(o!.spec);
    const errors = toErrors(validateObject('ResourceModifiers', value), file, locator, { kind: 'ResourceModifiers', name });
    return errors.length ? { form, name, errors } : { form, name, spec: normalizeValues(o!.spec as ResourceModifiersSpec), errors };
  }
  const message =
    o && typeof o.kind === 'string'
      ? `kind ${o.kind} does not hold resource modifiers: use kind ResourceModifiers (apiVersion ${API_VERSION}), a ConfigMap, or Velero's "version: v1" format`
      : `not resource modifiers: expected kind ResourceModifiers, a ConfigMap, or Velero's "version: v1" / "resourceModifierRules" format`;
  return { errors: toErrors([issue('modifiers.form', o && 'kind' in o ? ['kind'] : [], message)], file, locator) };
}

/** Reads a resource modifiers file (one YAML document) in any of the three forms. */
export async function loadModifiersFile(path: string): Promise<{ spec?: ResourceModifiersSpec; errors: ValidationError[] }> {
  const file = path.split('\\').join('/');
  const parsed = await readYamlFile(path, file);
  if (parsed.errors.length > 0) return { errors: parsed.errors };
  if (parsed.docs.length !== 1) {
    const message = parsed.docs.length === 0 ? 'the file holds no YAML document' : `the file holds ${parsed.docs.length} YAML documents; give one set of rules per file`;
    return { errors: toErrors([issue('modifiers.form', [], message)], file, parsed.docs[1]?.locator) };
  }
  const doc = parseModifiersDocument(parsed.docs[0].value, file, parsed.docs[0].locator);
  return doc.spec ? { spec: doc.spec, errors: [] } : { errors: doc.errors };
}
