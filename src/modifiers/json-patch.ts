// `patches`: RFC 6902 JSON patch, applied the way Velero does (internal/resourcemodifiers/json_patch.go):
// all operations of a rule form one patch document applied atomically; a failing `test`
// skips the whole rule silently (the object keeps its state); any other failure is an error.
// add/remove/replace/move/copy run on fast-json-patch; `test` runs on json-pointer.ts to keep
// json-patch's missing-path rules.
import fastJsonPatch from 'fast-json-patch';
import type { ModifierJsonPatch } from '../api/types.ts';
import { ModifierError } from './errors.ts';
import { parsePointer, testPointer } from './json-pointer.ts';
import { veleroValueToJson } from './value.ts';

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

interface CompiledOp {
  op: ModifierJsonPatch['operation'];
  path: string;
  tokens: string[];
  from?: string;
  value: unknown;
}

export type PatchOutcome = { kind: 'patched'; object: unknown } | { kind: 'test-failed'; path: string };

export interface CompiledJsonPatch {
  apply(doc: unknown): PatchOutcome;
}

/** Compiles a rule's `patches`; throws ModifierError on an unusable operation or value. */
export function compileJsonPatch(patches: ModifierJsonPatch[], where: string): CompiledJsonPatch {
  const ops: CompiledOp[] = patches.map((p, i) => {
    const at = `${where}.patches[${i}]`;
    // Velero lower-cases only to validate; json-patch itself accepts lower case only.
    if (typeof p.operation !== 'string' || !OPS.has(p.operation))
      throw new ModifierError('modifiers.json-patch', `${at}: operation ${JSON.stringify(p.operation)} is not one of add, remove, replace, move, copy, test (lower case)`);
    const tokens = parsePointer(p.path ?? '', at);
    if ((p.operation === 'move' || p.operation === 'copy') && !p.from?.startsWith('/'))
      throw new ModifierError('modifiers.json-patch', `${at}: ${p.operation} needs "from", a JSON pointer starting with /`);
    const needsValue = p.operation === 'add' || p.operation === 'replace' || p.operation === 'test';
    return { op: p.operation, path: p.path, tokens, from: p.from, value: needsValue ? veleroValueToJson(stringValue(p.value), `${at}`) : undefined };
  });

  return {
    apply(doc) {
      const work = structuredClone(doc);
      for (const [i, op] of ops.entries()) {
        if (op.op === 'test') {
          const outcome = testPointer(work, op.tokens, op.value, op.path);
          if (outcome === 'fail') return { kind: 'test-failed', path: op.path };
          if (outcome === 'missing') throw new ModifierError('modifiers.json-patch', `patches[${i}] test: path ${op.path} does not exist`);
          continue;
        }
        // fast-json-patch copies and moves values through JSON.stringify, which throws on the
        // bigints that carry int64 values exactly (exact-json.ts): an existing value is copied
        // as an add of its structured clone, and moved as a remove then that add (RFC 6902 4.4,
        // 4.5). A missing `from`, or a move into its own child, is left to fast-json-patch to refuse.
        const from = op.op === 'copy' || op.op === 'move' ? copyValue(work, op.from as string) : undefined;
        const intoItself = op.op === 'move' && (op.path === op.from || op.path.startsWith(`${op.from}/`));
        const operations: fastJsonPatch.Operation[] =
          from?.found && !intoItself
            ? [...(op.op === 'move' ? [{ op: 'remove' as const, path: op.from as string }] : []), { op: 'add' as const, path: op.path, value: structuredClone(from.value) }]
            : op.op === 'move' || op.op === 'copy'
              ? [{ op: op.op, from: op.from as string, path: op.path }]
              : op.op === 'remove'
                ? [{ op: op.op, path: op.path }]
                : [{ op: op.op, path: op.path, value: structuredClone(op.value) } as fastJsonPatch.Operation];
        try {
          for (const operation of operations) fastJsonPatch.applyOperation(work, operation, true, true);
        } catch (err) {
          throw new ModifierError('modifiers.json-patch', `patches[${i}] ${op.op} ${op.path}${op.from ? ` from ${op.from}` : ''}: ${describe(err)}`);
        }
      }
      return { kind: 'patched', object: work };
    },
  };
}

/** The value at `from`, when it exists (else fast-json-patch reports the missing path). */
function copyValue(doc: unknown, from: string): { found: boolean; value?: unknown } {
  try {
    const value = fastJsonPatch.getValueByPointer(doc, from);
    return value === undefined ? { found: false } : { found: true, value };
  } catch {
    return { found: false };
  }
}

/** YAML may give a non-string scalar; Velero's loader turns scalars into their string form. */
export function stringValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const first = err.message.split('\n')[0];
    return 'name' in err && typeof err.name === 'string' && err.name.startsWith('OPERATION_') ? `${first} (${err.name})` : first;
  }
  return String(err);
}
