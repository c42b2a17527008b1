// Rule conditions, evaluated the way Velero's ResourceModifierRule.match does, in this order:
//   1. namespaces: globs (no separator; `*` is any namespace) against the item's namespace in
//      the backup — before namespaceMapping. Cluster-scoped items (no namespace) skip this
//      check, so a namespaces condition never excludes them. An empty list matches all. A glob
//      that does not compile simply does not match (Velero's IncludesExcludes).
//   2. groupResource: a glob with '.' as separator against "resource.group" ("deployments.apps",
//      core "configmaps"); see match/glob.ts. A bad glob is an error.
//   3. resourceNameRegex: unanchored Go (RE2) regexp on metadata.name (match/regex.ts, linear
//      time); a regex RE2 refuses is an error.
//   4. labelSelector: matchLabels + matchExpressions on metadata.labels; invalid: error.
//   5. matches: every {path, value} is a json-patch `test` on the object, value converted by
//      Velero's addQuotes rules; a failing test or a missing path is no match; other failures
//      (an out-of-range array index) are errors.
// Conditions always read the ORIGINAL object, never one an earlier rule patched.
import type { KubeObject } from '../api/kube-object.ts';
import type { ModifierConditions } from '../api/types.ts';
import { ModifierError } from './errors.ts';
import { compileGlob, type GlobMatcher } from '../match/glob.ts';
import { PatternError } from '../match/errors.ts';
import { compileLabelSelector } from '../match/label-selector.ts';
import { compileRegex } from '../match/regex.ts';
import { parsePointer, testPointer } from './json-pointer.ts';
import { stringValue } from './json-patch.ts';
import { veleroValueToJson } from './value.ts';

export interface MatchInput {
  groupResource: string;
  /** The item's namespace in the backup (before namespaceMapping); absent for cluster-scoped items. */
  namespace?: string;
  object: KubeObject;
}

/** One step of a condition: true/false, or throws the ModifierError the rule reports. */
type Check = (item: MatchInput) => boolean;

const failing =
  (err: unknown): Check =>
  () => {
    throw err;
  };

export interface CompiledConditions {
  check: Check;
  /** Compile failures; each is also thrown when its step is reached, as Velero fails then. */
  problems: ModifierError[];
}

export function compileConditions(c: ModifierConditions | undefined, where: string): CompiledConditions {
  const cond = c ?? ({} as ModifierConditions);
  const checks: Check[] = [];
  const problems: ModifierError[] = [];
  const guard = (build: () => Check): Check => {
    try {
      return build();
    } catch (err) {
      const error = asModifierError(err);
      problems.push(error);
      return failing(error);
    }
  };

  const namespaces = (cond.namespaces ?? []).map(String);
  if (namespaces.length > 0 && !namespaces.includes('*')) {
    const globs: GlobMatcher[] = namespaces.map((p) => {
      try {
        return compileGlob(p);
      } catch {
        return () => false;
      }
    });
    checks.push((item) => {
      const ns = item.namespace ?? item.object.metadata?.namespace ?? '';
      return ns === '' || globs.some((g) => g(ns));
    });
  }

  checks.push(
    guard(() => {
      if (typeof cond.groupResource !== 'string' || cond.groupResource === '')
        throw new ModifierError('modifiers.rule', `${where}.conditions.groupResource is required`);
      const g = compileGlob(cond.groupResource, '.');
      return (item) => g(item.groupResource);
    }),
  );

  if (cond.resourceNameRegex)
    checks.push(
      guard(() => {
        const re = compileRegex(String(cond.resourceNameRegex));
        return (item) => re.test(String(item.object.metadata?.name ?? ''));
      }),
    );

  if (cond.labelSelector)
    checks.push(
      guard(() => {
        const sel = compileLabelSelector(cond.labelSelector!);
        return (item) => sel(item.object.metadata?.labels);
      }),
    );

  if (cond.matches && cond.matches.length > 0)
    checks.push(
      guard(() => {
        const tests = cond.matches!.map((m, i) => {
          const at = `${where}.conditions.matches[${i}]`;
          if (!m?.path) throw new ModifierError('modifiers.match', `${at}: path is required for match rule`);
          return { path: m.path, tokens: parsePointer(m.path, at), value: veleroValueToJson(stringValue(m.value), at) };
        });
        return (item) =>
          tests.every((t) => {
            try {
              return testPointer(item.object, t.tokens, t.value, t.path) === 'pass';
            } catch (err) {
              throw new ModifierError('modifiers.match', `${where}.conditions.matches: ${(err as Error).message}`);
            }
          });
      }),
    );

  return { check: (item) => checks.every((check) => check(item)), problems };
}

const PATTERN_CODES = { 'glob.invalid': 'modifiers.glob', 'regex.invalid': 'modifiers.regex', 'selector.invalid': 'modifiers.selector' } as const;

function asModifierError(err: unknown): ModifierError {
  if (err instanceof ModifierError) return err;
  if (err instanceof PatternError) return new ModifierError(PATTERN_CODES[err.code], err.message);
  return new ModifierError('modifiers.rule', String(err));
}
