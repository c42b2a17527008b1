// The mass-deletion guard (DESIGN §1): never expire or delete more than maxDeletionsPerTick
// backups in one tick without --allow-mass-deletion. Expiries and deletes are capped separately,
// each at the same limit: an expiry is the decision to delete (the plan is where a bad retention
// commit should be caught), a delete is the irreversible step. What the cap cuts is kept for a
// later tick and listed in `blocked`, in the order it would have run, never silently dropped.
// Unexpiries protect data and incomplete clean-ups remove garbage that never was a backup: neither
// is capped.
import type { DeleteAction, ExpireAction, PlanBlocked } from './types.ts';

/** Default cap: 10% of the backups (with a manifest) across all inventories, at least 1. */
export function defaultMaxDeletions(backupCount: number): number {
  return Math.max(1, Math.floor(backupCount / 10));
}

export function applyDeletionCap<A extends ExpireAction | DeleteAction>(
  actions: A[],
  limit: number | null,
): { allowed: A[]; blocked?: PlanBlocked } {
  if (limit === null || actions.length <= limit) return { allowed: actions };
  const verb = actions[0].type === 'expire' ? 'expire' : 'delete';
  const allowed = actions.slice(0, limit);
  const heldBack = actions.slice(limit);
  return {
    allowed,
    blocked: {
      code: 'mass-deletion',
      subject: {},
      message:
        `would ${verb} ${actions.length} backups, more than maxDeletionsPerTick ${limit}: ` +
        `${allowed.length} now, ${heldBack.length} held back; pass --allow-mass-deletion`,
      heldBack,
    },
  };
}
