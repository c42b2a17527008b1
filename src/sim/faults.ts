// Faults a test switches on to see how clients cope: a forbidden resource, an unauthorized
// client, the next N requests failing with 429/500/503, or lists out of order with repeats.
// Mutable while the server runs.
import { errors, type ApiStatusError } from './status.ts';

export interface Faults {
  /** Group-resources ("secrets", "deployments.apps") that answer 403 to list, get and watch. */
  forbidden?: string[];
  /** The next `count` requests (to `groupResource` if given, else any) fail with `status`. */
  failNext?: { status: 429 | 500 | 503; count: number; groupResource?: string }[];
  /** Every request answers 401. */
  unauthorized?: boolean;
  /**
   * Group-resources whose list pages come in reverse key order, each with its first object
   * repeated at its end: how a misbehaving aggregated API server might answer.
   */
  misorderedLists?: string[];
}

/** A list answer as `misorderedLists` describes it. */
export function misorderList<T extends { items?: unknown[] }>(list: T): T {
  const items = [...(list.items ?? [])].reverse();
  if (items.length > 0) items.push(items[0]);
  return { ...list, items };
}

/** The error an injected fault produces for this request, if any; consumes one failNext count. */
export function injectedFault(faults: Faults, verb: string, groupResource: string | undefined, namespace: string | undefined): ApiStatusError | undefined {
  if (faults.unauthorized) return errors.unauthorized();
  for (const f of faults.failNext ?? []) {
    if (f.count > 0 && (f.groupResource === undefined || f.groupResource === groupResource)) {
      f.count -= 1;
      return errors.injected(f.status);
    }
  }
  if (groupResource && (verb === 'list' || verb === 'get' || verb === 'watch') && faults.forbidden?.includes(groupResource)) {
    const dot = groupResource.indexOf('.');
    const [resource, group] = dot < 0 ? [groupResource, ''] : [groupResource.slice(0, dot), groupResource.slice(dot + 1)];
    return errors.forbidden(verb, group, resource, namespace);
  }
  return undefined;
}
