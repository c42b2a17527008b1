// "resource.group" names for objects read from manifests (no discovery): the plural is the
// lower-cased kind + "s", with the irregular plurals of the built-in kinds and Kubernetes'
// own guessing rules (…s → …ses, consonant + y → …ies). Custom resources whose plural differs
// are given explicitly (`cairn modifiers apply --resource Kind=plural.group`).
import { groupOf } from './strategic-schema.ts';

const IRREGULAR: Record<string, string> = {
  endpoints: 'endpoints',
  securitycontextconstraints: 'securitycontextconstraints',
};

export function pluralOf(kind: string): string {
  const k = kind.toLowerCase();
  if (Object.hasOwn(IRREGULAR, k)) return IRREGULAR[k];
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`; // ingress → ingresses, storageclass → storageclasses
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`; // networkpolicy → networkpolicies
  return `${k}s`;
}

/** "deployments.apps", "configmaps", "managements.k0rdent.mirantis.com". */
export function groupResourceOf(apiVersion: string, kind: string): string {
  const group = groupOf(apiVersion);
  const plural = pluralOf(kind);
  return group ? `${plural}.${group}` : plural;
}
