// CustomResourceDefinitions: what a CRD must contain, the resources it adds to discovery, and
// the conditions the apiextensions controller reports (NamesAccepted, then Established).
import { ALL_VERBS } from './catalog.ts';
import { errors } from './status.ts';
import { nowTimestamp } from './defaults.ts';
import type { ServedResource } from './registry.ts';

type Obj = Record<string, any>;

export const CRD_GROUP_RESOURCE = 'customresourcedefinitions.apiextensions.k8s.io';
const KIND = 'CustomResourceDefinition';
const GROUP = 'apiextensions.k8s.io';

/** Validates a CRD body; throws 422 Invalid naming the field. */
export function checkCrd(obj: Obj, isBuiltinGroup: (g: string) => boolean): void {
  const name: string = obj.metadata?.name ?? '';
  const spec: Obj | undefined = obj.spec;
  const fail = (field: string, message: string, reason = 'FieldValueInvalid'): never => {
    throw errors.invalid(GROUP, KIND, name, [{ field, message, reason }]);
  };
  if (!spec || typeof spec !== 'object') fail('spec', 'Required value', 'FieldValueRequired');
  const s = spec as Obj;
  if (typeof s.group !== 'string' || !s.group.includes('.')) fail('spec.group', `Invalid value: "${s.group ?? ''}": should be a domain with at least one dot`);
  if (isBuiltinGroup(s.group)) fail('spec.group', `Invalid value: "${s.group}": the group is served by the apiserver itself`);
  const names: Obj = s.names ?? {};
  if (typeof names.plural !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(names.plural)) {
    fail('spec.names.plural', `Invalid value: "${names.plural ?? ''}": a lowercase RFC 1123 label is required`);
  }
  if (typeof names.kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(names.kind)) {
    fail('spec.names.kind', `Invalid value: "${names.kind ?? ''}": must be a CamelCase kind`);
  }
  if (name !== `${names.plural}.${s.group}`) fail('metadata.name', `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`);
  if (s.scope !== 'Namespaced' && s.scope !== 'Cluster') fail('spec.scope', `Unsupported value: "${s.scope ?? ''}": supported values: "Cluster", "Namespaced"`, 'FieldValueNotSupported');
  const versions: Obj[] = Array.isArray(s.versions) ? s.versions : [];
  if (versions.length === 0) fail('spec.versions', 'Invalid value: must have at least one version', 'FieldValueRequired');
  versions.forEach((v, i) => {
    if (typeof v.name !== 'string' || !/^v\d+((alpha|beta)\d+)?$/.test(v.name)) fail(`spec.versions[${i}].name`, `Invalid value: "${v.name ?? ''}": must be a version like v1, v1beta1`);
    if (typeof v.served !== 'boolean') fail(`spec.versions[${i}].served`, 'Required value', 'FieldValueRequired');
    if (typeof v.storage !== 'boolean') fail(`spec.versions[${i}].storage`, 'Required value', 'FieldValueRequired');
  });
  if (versions.filter((v) => v.storage).length !== 1) fail('spec.versions', 'Invalid value: must have exactly one version marked as storage version');
  if (!versions.some((v) => v.served)) fail('spec.versions', 'Invalid value: must have at least one served version');
}

/** The resources a CRD serves: one per served version, all stored under one group-resource. */
export function crdResources(crd: Obj): ServedResource[] {
  const s: Obj = crd.spec;
  const names: Obj = s.names;
  const storage: string = s.versions.find((v: Obj) => v.storage).name;
  return (s.versions as Obj[])
    .filter((v) => v.served)
    .map((v) => ({
      group: s.group,
      version: v.name,
      resource: names.plural,
      singular: names.singular ?? names.kind.toLowerCase(),
      kind: names.kind,
      listKind: names.listKind ?? `${names.kind}List`,
      namespaced: s.scope === 'Namespaced',
      shortNames: names.shortNames ?? [],
      verbs: ALL_VERBS,
      subresources: [...(v.subresources?.status ? ['status'] : []), ...(v.subresources?.scale ? ['scale'] : [])],
      ...(names.categories ? { categories: names.categories } : {}),
      groupResource: `${names.plural}.${s.group}`,
      crd: crd.metadata.name,
      storageVersion: storage,
    }));
}

/** Status right after create: nothing accepted yet, the controller has not run. */
export function pendingStatus(crd: Obj): Obj {
  const storage = crd.spec.versions.find((v: Obj) => v.storage).name;
  return { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: [storage] };
}

/** Status once the names are accepted and the resource is served. */
export function establishedStatus(crd: Obj): Obj {
  const t = nowTimestamp();
  const storage = crd.spec.versions.find((v: Obj) => v.storage).name;
  const stored: string[] = crd.status?.storedVersions ?? [];
  return {
    conditions: [
      { type: 'NamesAccepted', status: 'True', lastTransitionTime: t, reason: 'NoConflicts', message: 'no conflicts found' },
      { type: 'Established', status: 'True', lastTransitionTime: t, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
    ],
    acceptedNames: { ...crd.spec.names, singular: crd.spec.names.singular ?? crd.spec.names.kind.toLowerCase() },
    storedVersions: stored.includes(storage) ? stored : [...stored, storage],
  };
}

export function isEstablished(crd: Obj): boolean {
  return (crd.status?.conditions ?? []).some((c: Obj) => c.type === 'Established' && c.status === 'True');
}
