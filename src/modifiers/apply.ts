// Applying a ResourceModifiers spec to one item, with Velero's semantics
// (ResourceModifiers.ApplyResourceModifierRules):
//   - rules run in order; conditions read the ORIGINAL object; patches accumulate on a copy;
//   - a rule uses `patches` if it has any, else `mergePatches`, else `strategicPatches` (Velero
//     ignores the other kinds when several are given); a matched rule with none is an error;
//   - a failing json-patch `test` skips that rule silently (reported in `skipped`);
//   - an error in one rule (bad condition, bad patch) is recorded and that rule's changes are
//     dropped — the object stays as it was before the rule — and the later rules still run.
//     Velero then does not restore the item at all: callers must treat an item with errors as
//     failed (the restore ends PartiallyFailed) and not apply it.
// Nothing here throws for bad input or bad rules; everything comes back as data. The input
// object is never modified; when no rule changed it, the same object is returned.
import type { KubeObject } from '../api/kube-object.ts';
import type { ModifierRule, ResourceModifiersSpec } from '../api/types.ts';
import { ModifierError, type RuleProblem } from './errors.ts';
import { compileJsonPatch } from './json-patch.ts';
import { compileConditions, type MatchInput } from './match.ts';
import { compileMergePatches } from './merge-patch.ts';
import { isPlainObject } from './patch-data.ts';
import { compileStrategicPatches } from './strategic-merge-patch.ts';

export interface ModifierItem {
  /** "resource.group" as Velero names it: "deployments.apps", core "configmaps". */
  groupResource: string;
  /** Namespace in the backup, before namespaceMapping; defaults to object.metadata.namespace. */
  namespace?: string;
  object: KubeObject;
}

export interface ModifierItemError {
  rule: number;
  message: string;
}

export interface ModifierResult {
  object: KubeObject;
  /** Indexes of the rules that matched and whose patches were applied. */
  applied: number[];
  /** Indexes of the rules that matched but were skipped because a json-patch `test` failed. */
  skipped: number[];
  errors: ModifierItemError[];
}

export interface CompiledModifiers {
  readonly ruleCount: number;
  /** Problems found while compiling; each also fails the items that reach it (as in Velero). */
  readonly problems: RuleProblem[];
  apply(item: ModifierItem): ModifierResult;
}

type Patcher = (doc: KubeObject) => { object: KubeObject } | { skipped: true };

interface CompiledRule {
  matches: (item: MatchInput) => boolean;
  patch: Patcher;
}

function compilePatcher(rule: ModifierRule, where: string): Patcher {
  if (rule.patches && rule.patches.length > 0) {
    const p = compileJsonPatch(rule.patches, where);
    return (doc) => {
      const out = p.apply(doc);
      if (out.kind === 'test-failed') return { skipped: true };
      return { object: asObject(out.object, 'json patch') };
    };
  }
  if (rule.mergePatches && rule.mergePatches.length > 0) {
    const p = compileMergePatches(rule.mergePatches, where);
    return (doc) => ({ object: asObject(p.apply(doc), 'merge patch') });
  }
  if (rule.strategicPatches && rule.strategicPatches.length > 0) {
    const p = compileStrategicPatches(rule.strategicPatches, where);
    return (doc) => ({ object: asObject(p.apply(doc), 'strategic merge patch') });
  }
  // Velero accepts such a rule when it loads, and fails each item it matches (applyPatch).
  return () => {
    throw new ModifierError('modifiers.rule', `${where}: no patch data found (give patches, mergePatches or strategicPatches)`);
  };
}

/** The patched document must still be a Kubernetes object, or Velero cannot decode it. */
function asObject(v: unknown, what: string): KubeObject {
  if (!isPlainObject(v) || !isPlainObject(v.metadata))
    throw new ModifierError('modifiers.json-patch', `the ${what} left something that is not a Kubernetes object (an object with metadata)`);
  return v as KubeObject;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Compiles globs, regexes, selectors, patch values and patch data once, for many items. */
export function compileModifiers(spec: ResourceModifiersSpec): CompiledModifiers {
  const problems: RuleProblem[] = [];
  const version = (spec as { version?: unknown } | undefined)?.version;
  if (typeof version !== 'string' || version.toLowerCase() !== 'v1') {
    const msg = `unsupported resource modifier version ${JSON.stringify(version)} (only v1)`;
    problems.push({ rule: -1, code: 'modifiers.version', message: msg });
    return {
      ruleCount: 0,
      problems,
      apply: (item) => ({ object: item.object, applied: [], skipped: [], errors: [{ rule: -1, message: msg }] }),
    };
  }
  const sourceRules = Array.isArray(spec.resourceModifierRules) ? spec.resourceModifierRules : [];
  const rules: CompiledRule[] = sourceRules.map((rule, i) => {
    const where = `resourceModifierRules[${i}]`;
    const conditions = compileConditions(rule?.conditions, where);
    for (const e of conditions.problems) problems.push({ rule: i, code: e.code, message: e.message });
    let patch: Patcher;
    try {
      patch = compilePatcher(rule ?? ({} as ModifierRule), where);
    } catch (err) {
      problems.push({ rule: i, code: err instanceof ModifierError ? err.code : 'modifiers.rule', message: message(err) });
      patch = () => {
        throw err;
      };
    }
    return { matches: conditions.check, patch };
  });

  return {
    ruleCount: rules.length,
    problems,
    apply(item) {
      const original = item.object;
      const input: MatchInput = { groupResource: item.groupResource, namespace: item.namespace, object: original };
      let working: KubeObject | undefined; // a private copy, made when the first rule applies
      const applied: number[] = [];
      const skipped: number[] = [];
      const errors: ModifierItemError[] = [];
      for (const [i, rule] of rules.entries()) {
        try {
          if (!rule.matches(input)) continue;
          const out = rule.patch(working ?? (working = structuredClone(original)));
          if ('skipped' in out) skipped.push(i);
          else {
            working = out.object;
            applied.push(i);
          }
        } catch (err) {
          errors.push({ rule: i, message: message(err) });
        }
      }
      return { object: working ?? original, applied, skipped, errors };
    },
  };
}

/** One-off form of compileModifiers(spec).apply(item), for the tests. @internal */
export function applyModifiers(spec: ResourceModifiersSpec, item: ModifierItem): ModifierResult {
  return compileModifiers(spec).apply(item);
}
