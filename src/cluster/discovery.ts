// API discovery: /api and /apis, then each group's preferred version's resource list.
// Subresources ("pods/log") and resources that cannot be listed are left out. A group version
// whose discovery fails (an aggregated API that is down, typically) is reported, not fatal.
import pLimit from 'p-limit';
import type { ApiResource } from './types.ts';
import type { Transport } from './transport.ts';

interface APIResourceList {
  groupVersion: string;
  resources: { name: string; namespaced: boolean; kind: string; verbs?: string[] }[];
}
interface APIGroupList {
  groups: { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion?: { groupVersion: string; version: string } }[];
}

export interface DiscoveryResult {
  resources: ApiResource[];
  /** Group versions whose resource list could not be read, with why. */
  failed: { groupVersion: string; error: string }[];
}

export function groupResourceOf(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

export async function discover(transport: Transport, concurrency: number): Promise<DiscoveryResult> {
  const get = async <T>(path: string, resource: string): Promise<T> => {
    const res = await transport.request({ method: 'GET', path, target: { verb: 'get', resource } });
    return JSON.parse(res.body.toString('utf8')) as T;
  };
  const [core, groups] = await Promise.all([get<{ versions: string[] }>('/api', 'API versions (/api)'), get<APIGroupList>('/apis', 'API groups (/apis)')]);

  const targets: { group: string; version: string; path: string }[] = [];
  // The core group has a single served version in practice ("v1"); take the first listed.
  if (core.versions?.length) targets.push({ group: '', version: core.versions[0], path: `/api/${core.versions[0]}` });
  for (const g of groups.groups ?? []) {
    const preferred = g.preferredVersion ?? g.versions[0];
    if (preferred) targets.push({ group: g.name, version: preferred.version, path: `/apis/${preferred.groupVersion}` });
  }

  const limit = pLimit(concurrency);
  const failed: DiscoveryResult['failed'] = [];
  const lists = await Promise.all(
    targets.map((t) =>
      limit(async () => {
        try {
          return { t, list: await get<APIResourceList>(t.path, `resources of ${t.group ? `${t.group}/` : ''}${t.version}`) };
        } catch (err) {
          failed.push({ groupVersion: t.group ? `${t.group}/${t.version}` : t.version, error: (err as Error).message });
          return undefined;
        }
      }),
    ),
  );

  const resources: ApiResource[] = [];
  for (const entry of lists) {
    if (!entry) continue;
    for (const r of entry.list.resources ?? []) {
      if (r.name.includes('/')) continue; // subresource
      const verbs = r.verbs ?? [];
      if (!verbs.includes('list')) continue;
      resources.push({
        group: entry.t.group,
        version: entry.t.version,
        resource: r.name,
        kind: r.kind,
        namespaced: r.namespaced,
        verbs,
        groupResource: groupResourceOf(entry.t.group, r.name),
      });
    }
  }
  resources.sort((a, b) => a.groupResource.localeCompare(b.groupResource));
  failed.sort((a, b) => a.groupVersion.localeCompare(b.groupVersion));
  return { resources, failed };
}
