// Resource names in includedResources/excludedResources resolve as kubectl and Velero resolve
// them (Velero: collections.GetResourceIncludesExcludes → discovery Helper.ResourceFor, a
// RESTMapper with kubectl's shortcut expander): the plural ("deployments"), the singular
// ("deployment"), a short name ("deploy"), the kind ("Deployment"), each optionally qualified by
// its group ("deployments.apps", "deploy.apps"). Case does not matter (the RESTMapper lower-cases).
// Pure: discovery's resource list in, group-resources out.
//   - "*" and globs are kept as written and matched against group-resources.
//   - A name that resolves to nothing is kept as written too (so an include list of unknown
//     names still selects nothing, velero#2461, rather than everything) and reported, for a
//     warning in the backup log.
//   - A name several groups serve ("events": core and events.k8s.io) resolves to the core group
//     first, then to the first group in alphabetical order; write "events.events.k8s.io" to pick.
import type { ResourceSelection } from '../api/types.ts';
import { isGlob } from '../match/glob.ts';
import type { ApiResource } from './types.ts';

export interface ResolvedSelection {
  selection: ResourceSelection;
  /** One line per entry that resolved to nothing: for the backup log. */
  warnings: string[];
}

type Names = Pick<ApiResource, 'group' | 'resource' | 'kind' | 'groupResource' | 'singularName' | 'shortNames'>;

/** How well `name` names `r`: lower is better (plural, singular, kind, short name); undefined: not at all. */
function rank(r: Names, name: string): number | undefined {
  if (r.resource === name) return 0;
  if ((r.singularName || r.kind.toLowerCase()) === name) return 1;
  if (r.kind.toLowerCase() === name) return 2;
  if (r.shortNames?.some((s) => s.toLowerCase() === name)) return 3;
  return undefined;
}

/** The group-resource `entry` names, or undefined. Globs and "*" are not names: undefined. */
export function resolveResourceName(entry: string, resources: readonly Names[]): string | undefined {
  if (entry === '*' || isGlob(entry)) return undefined;
  const lower = entry.toLowerCase();
  // schema.ParseGroupResource: the resource is everything before the first '.', the group the rest.
  const dot = lower.indexOf('.');
  const name = dot < 0 ? lower : lower.slice(0, dot);
  const group = dot < 0 ? undefined : lower.slice(dot + 1);
  let best: { r: Names; score: number } | undefined;
  for (const r of resources) {
    if (group !== undefined && r.group !== group) continue;
    const score = rank(r, name);
    if (score === undefined) continue;
    const better =
      !best || score < best.score || (score === best.score && (r.group === '' ? best.r.group !== '' : best.r.group !== '' && r.group < best.r.group));
    if (better) best = { r, score };
  }
  return best?.r.groupResource;
}

function resolveList(list: readonly string[] | undefined, field: string, resources: readonly Names[], warnings: string[]): string[] | undefined {
  if (!list) return undefined;
  return list.map((entry) => {
    if (entry === '*' || isGlob(entry)) return entry;
    const gr = resolveResourceName(entry, resources);
    if (gr) return gr;
    warnings.push(`${field} "${entry}" names no resource the server serves (by plural, singular, short name or kind): it is ignored`);
    return entry;
  });
}

/** The selection with includedResources/excludedResources resolved through discovery. */
export function resolveSelection(sel: ResourceSelection, resources: readonly Names[]): ResolvedSelection {
  const warnings: string[] = [];
  const includedResources = resolveList(sel.includedResources, 'includedResources', resources, warnings);
  const excludedResources = resolveList(sel.excludedResources, 'excludedResources', resources, warnings);
  return {
    selection: { ...sel, ...(includedResources ? { includedResources } : {}), ...(excludedResources ? { excludedResources } : {}) },
    warnings,
  };
}
