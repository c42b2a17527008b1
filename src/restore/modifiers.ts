// Compiling the request's ResourceModifiers (src/modifiers) for the pipeline. A rule that does
// not compile fails the request before anything is read or written (FailedValidation), as
// Velero validates a restore's modifiers up front.
import type { ResourceModifiersSpec } from '../api/types.ts';
import { compileModifiers } from '../modifiers/apply.ts';
import { RestoreError } from './errors.ts';
import type { ItemModifier } from './items.ts';

export function compileRestoreModifiers(name: string | undefined, spec: ResourceModifiersSpec | undefined): ItemModifier {
  const label = name ? `ResourceModifiers ${name}` : 'the resource modifiers';
  if (!spec) {
    throw new RestoreError('restore.modifiers', `spec.resourceModifier names ${label}, which was not found: add it under modifiers/ or fix the name`, { subject: name });
  }
  const compiled = compileModifiers(spec);
  if (compiled.problems.length) {
    const list = compiled.problems.map((p) => `rule ${p.rule}: ${p.message}`).join('; ');
    throw new RestoreError('restore.modifiers', `${label} cannot be used: ${list}`, { subject: name });
  }
  return compiled;
}
