// Errors of the modifiers core are values with a stable code, never thrown across the module
// boundary: a rule that cannot run is reported against the item it was applied to.

export type ModifierErrorCode =
  | 'modifiers.version' // spec.version is not v1
  | 'modifiers.rule' // a rule has no conditions / no groupResource / no patches
  | 'modifiers.glob' // a groupResource glob does not compile
  | 'modifiers.regex' // resourceNameRegex is not a valid Go (RE2) regexp
  | 'modifiers.selector' // labelSelector is invalid (operator, values, label syntax)
  | 'modifiers.match' // a `matches` entry is invalid, or its test errored (not just failed)
  | 'modifiers.value' // a patch `value` string does not turn into valid JSON (Velero's addQuotes rules)
  | 'modifiers.patch-data' // mergePatches/strategicPatches patchData is not YAML/JSON of an object
  | 'modifiers.json-patch' // an RFC 6902 operation failed (missing path, bad index, …)
  | 'modifiers.merge-patch'
  | 'modifiers.strategic-patch';

export class ModifierError extends Error {
  override readonly name = 'ModifierError';
  constructor(
    readonly code: ModifierErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A problem found while compiling a rule; it surfaces as an item error whenever the rule is reached. */
export interface RuleProblem {
  rule: number;
  code: ModifierErrorCode;
  message: string;
}
