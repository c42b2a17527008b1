// Label and field selectors, parsed the way the apiserver parses them (k8s.io/apimachinery
// labels.Parse / fields.ParseSelector). Pure: strings in, predicates out; a syntax error throws
// a SelectorError carrying the apiserver's wording so the server can answer 400 BadRequest.
//
// Not match/label-selector.ts, on purpose. That is cairn's rule: a metav1.LabelSelector
// (matchLabels/matchExpressions) matched by cairn, and written as the string cairn sends
// (formatLabelSelector). This is the server's side: the string grammar the apiserver parses
// (`!key`, `in (...)`, `gt`/`lt`, its error wording). The simulator stands in for kube-apiserver
// in the tests; were it to parse and match with cairn's code, a bug there would be agreed with
// by the very server it is tested against, and no round trip could catch it.

export class SelectorError extends Error {
  readonly code = 'InvalidSelector';
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

type LabelOp = 'exists' | '!exists' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

export type Labels = Record<string, string> | undefined;

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key)) throw new SelectorError(`unable to parse requirement: invalid label key "${key}" in selector "${selector}"`);
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!VALUE.test(value) || value.length > 63) {
    throw new SelectorError(`unable to parse requirement: invalid label value "${value}" in selector "${selector}"`);
  }
  return value;
}

/** Splits on commas that are not inside a `( … )` value set. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) throw new SelectorError(`unable to parse requirement: unbalanced ")" in selector "${selector}"`);
  }
  if (depth !== 0) throw new SelectorError(`unable to parse requirement: unbalanced "(" in selector "${selector}"`);
  parts.push(selector.slice(start));
  return parts.map((p) => p.trim());
}

const SET_RE = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/;
const CMP_RE = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/;

export function parseLabelSelector(selector: string): LabelRequirement[] {
  const trimmed = selector.trim();
  if (trimmed === '') return [];
  return splitTopLevel(trimmed).map((part): LabelRequirement => {
    if (part === '') throw new SelectorError(`unable to parse requirement: empty requirement in selector "${selector}"`);
    const set = SET_RE.exec(part);
    if (set) {
      const values = set[3].split(',').map((v) => checkValue(v.trim(), selector));
      return { key: checkKey(set[1], selector), op: set[2] as 'in' | 'notin', values };
    }
    if (part.startsWith('!')) return { key: checkKey(part.slice(1).trim(), selector), op: '!exists', values: [] };
    const cmp = CMP_RE.exec(part);
    if (cmp) {
      const key = checkKey(cmp[1], selector);
      const value = cmp[3].trim();
      if (cmp[2] === '>' || cmp[2] === '<') {
        if (!/^-?\d+$/.test(value)) throw new SelectorError(`unable to parse requirement: for 'gt', 'lt' operators, the value must be an integer, got "${value}"`);
        return { key, op: cmp[2] === '>' ? 'gt' : 'lt', values: [value] };
      }
      return { key, op: cmp[2] === '!=' ? '!=' : '=', values: [checkValue(value, selector)] };
    }
    return { key: checkKey(part, selector), op: 'exists', values: [] };
  });
}

export function matchesLabels(reqs: LabelRequirement[], labels: Labels): boolean {
  for (const r of reqs) {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = has ? labels![r.key] : undefined;
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case '!exists':
        if (has) return false;
        break;
      case '=':
        if (v !== r.values[0]) return false;
        break;
      case '!=':
        if (v === r.values[0]) return false;
        break;
      case 'in':
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case 'notin':
        if (v !== undefined && r.values.includes(v)) return false;
        break;
      case 'gt':
      case 'lt': {
        if (v === undefined || !/^-?\d+$/.test(v)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

export interface FieldRequirement {
  field: string;
  negate: boolean;
  value: string;
}

/** Field paths every resource supports; `extra` adds per-type ones (e.g. `type` on secrets). */
export const COMMON_FIELDS = ['metadata.name', 'metadata.namespace'];

export function parseFieldSelector(selector: string, supported: readonly string[]): FieldRequirement[] {
  const trimmed = selector.trim();
  if (trimmed === '') return [];
  return trimmed.split(',').map((raw): FieldRequirement => {
    const part = raw.trim();
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw new SelectorError(`invalid selector: '${part}'; can't understand '${part}'`);
    const field = m[1].trim();
    if (!supported.includes(field)) throw new SelectorError(`field label not supported: ${field}`);
    return { field, negate: m[2] === '!=', value: m[3].trim() };
  });
}

function fieldValue(obj: Record<string, unknown>, path: string): string {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur === undefined || cur === null ? '' : String(cur);
}

export function matchesFields(reqs: FieldRequirement[], obj: Record<string, unknown>): boolean {
  for (const r of reqs) {
    const equal = fieldValue(obj, r.field) === r.value;
    if (equal === r.negate) return false;
  }
  return true;
}
