// Validates documents against the JSON Schemas in schemas/ (ajv, strict: the schemas themselves
// may use no unknown keyword) and turns ajv's errors into Issues a user can act on: the field
// path, what is wrong, and what is allowed. Validation also fills in the schemas' defaults.
import { readFileSync, readdirSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin, { type FormatsPluginOptions } from 'ajv-formats';
import type { KindName } from './types.ts';
import { formatPath, issue, type Issue, type PathSegment } from './errors.ts';

const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);
const BASE_ID = 'https://cairn.dev/schemas/v1alpha1/';

export const KIND_SCHEMA_FILES: Record<KindName, string> = {
  BackupLocation: 'backup-location.json',
  Cluster: 'cluster.json',
  BackupPolicy: 'backup-policy.json',
  RestoreRequest: 'restore-request.json',
  ResourceModifiers: 'resource-modifiers.json',
};

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
type AddFormats = (ajv: Ajv, options: FormatsPluginOptions) => Ajv;
const addFormats = ((addFormatsPlugin as unknown as { default?: AddFormats }).default ?? addFormatsPlugin) as unknown as AddFormats;

let compiled: { ajv: Ajv; byKind: Map<KindName, ValidateFunction>; velero: ValidateFunction } | undefined;

function schemas() {
  if (compiled) return compiled;
  const ajv = new Ajv({ strict: true, allErrors: true, useDefaults: true, allowUnionTypes: true, verbose: true });
  addFormats(ajv, ['uri', 'date-time']);
  for (const f of readdirSync(SCHEMA_DIR).filter((n) => n.endsWith('.json')).sort()) {
    ajv.addSchema(JSON.parse(readFileSync(new URL(f, SCHEMA_DIR), 'utf8')) as object);
  }
  const byKind = new Map<KindName, ValidateFunction>();
  for (const [kind, file] of Object.entries(KIND_SCHEMA_FILES) as [KindName, string][]) {
    const v = ajv.getSchema(BASE_ID + file);
    if (!v) throw new Error(`schema ${file} is missing from ${SCHEMA_DIR.pathname}`);
    byKind.set(kind, v);
  }
  const velero = ajv.getSchema(`${BASE_ID}resource-modifiers.json#/$defs/velero`);
  if (!velero) throw new Error('schema resource-modifiers.json has no $defs/velero');
  compiled = { ajv, byKind, velero };
  return compiled;
}

/** JSON pointer → path segments; array indexes become numbers (read off the data). */
function toSegments(pointer: string, root: unknown): PathSegment[] {
  if (!pointer) return [];
  const out: PathSegment[] = [];
  let cur: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      out.push(Number(part));
      cur = cur[Number(part)];
    } else {
      out.push(part);
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
    }
  }
  return out;
}

function describeType(t: string): string {
  return ({ string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', array: 'a list', object: 'a map', null: 'null' } as Record<string, string>)[t] ?? t;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return String(v);
  return `the string ${JSON.stringify(v)}`;
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length];
}

function unknownFieldMessage(field: string, allowed: string[]): string {
  const close = allowed.find((a) => a.toLowerCase() === field.toLowerCase()) ?? allowed.find((a) => distance(a, field) <= 2);
  if (close) return `unknown field (did you mean "${close}"?)`;
  return allowed.length ? `unknown field; allowed here: ${allowed.join(', ')}` : 'unknown field';
}

// Patterns deserve words, not regular expressions. Keyed by the end of ajv's schemaPath.
const PATTERN_MESSAGES: [suffix: string, message: (v: string) => string][] = [
  ['/$defs/dnsLabel/pattern', (v) => `"${v}" is not a DNS-1123 label: use lowercase letters, digits and '-', starting and ending with a letter or digit`],
  ['/$defs/envVarName/pattern', (v) => `"${v}" is not an environment variable name: use letters, digits and '_', not starting with a digit`],
  ['/endpoint/pattern', (v) => `"${v}" is not an http:// or https:// URL`],
  ['/bucket/pattern', (v) => `"${v}" is not an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit`],
  ['/trigger/pattern', (v) => `"${v}" is not a valid trigger: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (it becomes part of the backup name)`],
  ['/backupName/pattern', (v) => `"${v}" is not a backup name: lowercase letters, digits, '-' and '.'`],
];

function translate(e: ErrorObject, root: unknown): Issue | undefined {
  const path = toSegments(e.instancePath, root);
  const data = e.data;
  switch (e.keyword) {
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      return issue('schema.required', [...path, missing], 'missing required field');
    }
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return issue('schema.unknown-field', [...path, extra], unknownFieldMessage(extra, allowed), 'key');
    }
    case 'type': {
      const types = String((e.params as { type: string | string[] }).type).split(',');
      return issue('schema.type', path, `must be ${types.map(describeType).join(' or ')}, not ${typeOf(data)}`);
    }
    case 'enum':
      return issue('schema.enum', path, `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => String(v)).join(', ')} (got ${typeOf(data)})`);
    case 'const':
      return issue('schema.const', path, `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)} (got ${typeOf(data)})`);
    case 'pattern': {
      const known = PATTERN_MESSAGES.find(([suffix]) => e.schemaPath.endsWith(suffix));
      return issue('schema.pattern', path, known ? known[1](String(data)) : `"${String(data)}" must match the pattern ${(e.params as { pattern: string }).pattern}`);
    }
    case 'format': {
      const format = (e.params as { format: string }).format;
      if (format === 'date-time') return issue('schema.format', path, `"${String(data)}" is not an RFC 3339 date-time, e.g. "2026-11-21T06:00:00Z"`);
      if (format === 'uri') return issue('schema.format', path, `"${String(data)}" is not a URL`);
      return issue('schema.format', path, `"${String(data)}" is not a valid ${format}`);
    }
    case 'minLength': {
      const limit = (e.params as { limit: number }).limit;
      return issue('schema.length', path, limit === 1 ? 'must not be empty' : `must be at least ${limit} characters long`);
    }
    case 'maxLength':
      return issue('schema.length', path, `must be at most ${(e.params as { limit: number }).limit} characters long (got ${String(data).length})`);
    case 'minItems': {
      const limit = (e.params as { limit: number }).limit;
      return issue('schema.items', path, limit === 1 ? 'must not be an empty list' : `must have at least ${limit} items`);
    }
    case 'minimum':
      return issue('schema.range', path, `must be at least ${(e.params as { limit: number }).limit} (got ${String(data)})`);
    case 'maximum':
      return issue('schema.range', path, `must be at most ${(e.params as { limit: number }).limit} (got ${String(data)})`);
    default:
      return issue(`schema.${e.keyword}`, path, e.message ?? `fails the schema's "${e.keyword}" rule`);
  }
}

function run(validate: ValidateFunction, value: unknown): Issue[] {
  if (validate(value)) return [];
  const seen = new Set<string>();
  const out: Issue[] = [];
  for (const e of validate.errors ?? []) {
    const i = translate(e, value);
    if (!i) continue;
    // One message per field: a value failing two rules (format and pattern) is one mistake.
    const key = formatPath(i.path);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(i);
  }
  return out;
}

/** Validates one object of `kind` and fills in its defaults (mutates `value`). */
export function validateKind(kind: KindName, value: unknown): Issue[] {
  return run(schemas().byKind.get(kind)!, value);
}

/** Validates Velero's `version: v1` / `resourceModifierRules` document (no wrapper). */
export function validateVeleroModifiers(value: unknown): Issue[] {
  return run(schemas().velero, value);
}
