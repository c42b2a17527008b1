// A live PersistentVolume whose spec.claimRef.uid names a claim that no longer exists (deleted,
// or recreated with a new uid) is Released and never binds again: the PV controller matches the
// claim by uid (pkg/controller/volume/persistentvolume/pv_controller.go). prepare.ts drops
// claimRef.uid/resourceVersion from both sides before comparing, so without this check such a PV
// would read as "unchanged" while its restored claim stays Pending. Clearing the uid (as Velero
// does on restore) lets the claim of that name bind it again.
import type { ClusterClient, ResourceRef } from '../cluster/client.ts';
import type { KubeObject } from '../cluster/types.ts';
import type { FieldChange } from './types.ts';

const PVC_REF: ResourceRef = { group: '', version: 'v1', resource: 'persistentvolumeclaims', namespaced: true, groupResource: 'persistentvolumeclaims' };

export interface StaleClaim {
  /** Why the volume will not bind, for the item's reason. */
  why: string;
  /** The fields that differ from what a restore writes. */
  diff: FieldChange[];
  /** Merge patch clearing them. */
  patch: Record<string, unknown>;
}

export async function staleClaimRef(client: ClusterClient, live: KubeObject): Promise<StaleClaim | undefined> {
  const ref = (live.spec as { claimRef?: { namespace?: string; name?: string; uid?: string; resourceVersion?: string } } | undefined)?.claimRef;
  if (!ref?.uid || !ref.name) return undefined;
  const claim = await client.get(PVC_REF, ref.namespace, ref.name);
  const uid = claim?.metadata.uid as string | undefined;
  if (uid === ref.uid) return undefined;
  const where = `${ref.namespace}/${ref.name}`;
  const why = claim
    ? `its claimRef names claim ${where} with uid ${ref.uid}, but that claim now has uid ${uid}, so the volume will not bind`
    : `its claimRef names claim ${where} with uid ${ref.uid}, which no longer exists, so the volume will not bind to a new claim`;
  const diff: FieldChange[] = [{ path: '/spec/claimRef/uid', op: 'remove', old: ref.uid }];
  if (ref.resourceVersion !== undefined) diff.push({ path: '/spec/claimRef/resourceVersion', op: 'remove', old: ref.resourceVersion });
  return { why, diff, patch: { spec: { claimRef: { uid: null, resourceVersion: null } } } };
}
