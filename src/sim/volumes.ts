// The PersistentVolume controller's binding, as far as the API shows it
// (pkg/controller/volume/persistentvolume/pv_controller.go, syncVolume / syncClaim):
// - a PV whose spec.claimRef names an existing PVC, with no uid (pre-bound by name) or that
//   PVC's uid, is Bound: claimRef gets the claim's uid and resourceVersion, the PVC gets
//   spec.volumeName and phase Bound;
// - a PV whose claimRef.uid names a claim that no longer exists (deleted, or recreated with
//   another uid) is Released, and a new PVC of that name stays Pending: the volume never binds
//   again until claimRef.uid is cleared (what Velero does on restore, and cairn too);
// - a PVC naming a PV in spec.volumeName whose claimRef is empty pre-binds it;
// - a PV without claimRef is Available.
// Runs after every write to a PV or a PVC; rewrites only what changed, with a new resourceVersion.
import type { ObjectStore, StoredObject } from './store.ts';
import { objectKey } from './store.ts';

type Obj = Record<string, any>;

const PVS = 'persistentvolumes';
const PVCS = 'persistentvolumeclaims';

export function syncVolumes(store: ObjectStore): void {
  const pvs = store.table(PVS);
  const pvcs = store.table(PVCS);
  const put = (table: typeof pvs, key: string, next: Obj) => {
    next.metadata = { ...next.metadata, resourceVersion: store.nextResourceVersion() };
    table.put(key, next as StoredObject);
  };
  for (const pvKey of [...pvs.keys()]) {
    const pv = pvs.get(pvKey)! as Obj;
    let ref: Obj | undefined = pv.spec?.claimRef;
    if (!ref) {
      // A claim asking for this volume by name pre-binds it.
      const claimKey = pvcs.keys().find((k) => (pvcs.get(k) as Obj).spec?.volumeName === pv.metadata.name);
      if (claimKey) {
        const claim = pvcs.get(claimKey) as Obj;
        ref = { kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name };
      }
    }
    const claim = ref ? (pvcs.get(objectKey(ref.namespace, ref.name)) as Obj | undefined) : undefined;
    let phase: string;
    if (!ref) phase = 'Available';
    else if (!claim) phase = ref.uid ? 'Released' : 'Available';
    else if (ref.uid && ref.uid !== claim.metadata.uid) phase = 'Released';
    else phase = 'Bound';

    if (phase === 'Bound') {
      const claimRef = { kind: 'PersistentVolumeClaim', namespace: claim!.metadata.namespace, name: claim!.metadata.name, uid: claim!.metadata.uid, apiVersion: 'v1', resourceVersion: claim!.metadata.resourceVersion };
      const same = pv.spec?.claimRef?.uid === claimRef.uid && pv.status?.phase === 'Bound';
      if (!same) put(pvs, pvKey, { ...pv, spec: { ...pv.spec, claimRef }, status: { ...(pv.status ?? {}), phase: 'Bound' } });
      if (claim!.spec?.volumeName !== pv.metadata.name || claim!.status?.phase !== 'Bound') {
        put(pvcs, objectKey(claim!.metadata.namespace, claim!.metadata.name), { ...claim, spec: { ...claim!.spec, volumeName: pv.metadata.name }, status: { ...(claim!.status ?? {}), phase: 'Bound' } });
      }
    } else if (pv.status?.phase !== phase) {
      put(pvs, pvKey, { ...pv, status: { ...(pv.status ?? {}), phase } });
    }
  }
}
