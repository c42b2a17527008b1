// patchData of mergePatches / strategicPatches: YAML or JSON text (JSON is YAML), converted the
// way Velero does with sigs.k8s.io/yaml (go-yaml, YAML 1.1: yes/no/on/off are booleans). It must
// describe an object: a null, scalar or list patch fails the rule in Velero too.
// go-yaml (libyaml's scanner) is stricter than the yaml package in one place that matters: inside
// a flow collection ({…} or […], so every JSON patch) a ':' is always a value indicator, so a
// plain scalar cannot start with ':'. `{"a"::1}` is therefore refused (Velero's test "patch with
// bad json", json_merge_patch_test.go), where the yaml package would read {"a": ":1"}.
// One home for the rule: `cairn validate` and the modifiers both call patchDataProblem.
import { isCollection, isPair, parseDocument, visit, type Document } from 'yaml';
import { ModifierError, type ModifierErrorCode } from './errors.ts';
import { normalizeExactNumbers } from '../exact-json.ts';

export type JsonObject = Record<string, unknown>;

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface PatchDataProblem {
  message: string;
  /** 1-based line inside patchData, when the problem is at one place. */
  line?: number;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

function read(text: string): { doc: Document; problem?: PatchDataProblem } {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true, prettyErrors: false, intAsBigInt: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    return { doc, problem: { message: `is not valid YAML or JSON: ${e.message.split('\n')[0]}`, line: lineOf(text, e.pos[0]) } };
  }
  let problem: PatchDataProblem | undefined;
  visit(doc, {
    Scalar(_key, node, path) {
      const last = path[path.length - 1];
      const parent = isPair(last) ? path[path.length - 2] : last;
      if (node.type === 'PLAIN' && typeof node.source === 'string' && node.source.startsWith(':') && isCollection(parent) && parent.flow) {
        const at = node.range?.[0] ?? 0;
        problem = { message: `is not valid YAML or JSON: unexpected ':' inside {…} or […] (a value cannot start with ':'; quote it if it should)`, line: lineOf(text, at) };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return { doc, problem };
}

/** Why `text` is not a patch Velero can use, or undefined. */
export function patchDataProblem(text: string): PatchDataProblem | undefined {
  if (text.trim() === '') return { message: 'must not be empty: give the patch as YAML or JSON' };
  const { doc, problem } = read(text);
  if (problem) return problem;
  let data: unknown;
  try {
    // Integers as bigints, then the safe ones back to numbers: int64 values patch exactly (exact-json.ts).
    data = normalizeExactNumbers(doc.toJS({ maxAliasCount: 100 }));
  } catch {
    return { message: 'aliases expand to too many nodes' };
  }
  if (!isPlainObject(data)) return { message: `must be an object (a mapping), got ${data === null ? 'nothing' : Array.isArray(data) ? 'a list' : typeof data}` };
  return undefined;
}

export function parsePatchData(text: unknown, where: string, code: ModifierErrorCode): JsonObject {
  if (typeof text !== 'string') throw new ModifierError(code, `${where}.patchData must be a string of YAML or JSON`);
  const problem = patchDataProblem(text);
  if (problem) throw new ModifierError(code, `${where}.patchData ${problem.message}${problem.line && text.includes('\n') ? ` (line ${problem.line} of patchData)` : ''}`);
  return normalizeExactNumbers(read(text).doc.toJS({ maxAliasCount: 100 })) as JsonObject;
}
