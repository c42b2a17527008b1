// Prepares a backed-up object for creation in a (possibly fresh) cluster: drops what the API
// server sets or what only made sense in the source cluster. Pure: data in, data out.
// The same function normalizes a live object before comparing it with the backup, so
// "differs" and update patches never touch server-owned fields.
//
// Dropped, and why:
// - metadata.uid, resourceVersion, generation, creationTimestamp, selfLink, managedFields:
//   assigned by the server; sending them is rejected (resourceVersion on create) or meaningless.
// - metadata.deletionTimestamp, deletionGracePeriodSeconds: a restored object is not being deleted.
// - metadata.generateName: the object already has its name.
// - metadata.ownerReferences: they hold the owners' uids from the source cluster. The garbage
//   collector deletes a child whose owner uid does not exist, so a restored child with stale
//   references would vanish at once. Velero strips them too (resetMetadata); controllers
//   re-adopt their children by selector (Deployment → ReplicaSet → Pod).
// - status (unless restoreStatus): observed state, recomputed by controllers in the target cluster.
// - Service spec.clusterIP/clusterIPs (unless headless "None"): allocated from the target
//   cluster's service CIDR; the source address may be taken or out of range.
// - Service ports[].nodePort and spec.healthCheckNodePort (unless preserveNodePorts): allocated
//   by the target cluster; a fixed port may collide.
// - PersistentVolume spec.claimRef.uid/resourceVersion and the PV/PVC binding annotations: the
//   claim gets a new uid; the PV controller binds the pair again by name (Velero does the same).
// - PVC annotation volume.kubernetes.io/selected-node: the node may not exist.
// - Pod spec.nodeName: the node may not exist; the scheduler places the pod again.
// - Pod spec.priority when priorityClassName is set: admission computes it from the class and
//   rejects a mismatch.
// - Pod service-account token volumes (kube-api-access-*, <sa>-token-*) and their mounts:
//   admission injects fresh ones; the old ones name secrets/tokens of the source cluster.
// - Secret of type kubernetes.io/service-account-token: its token was signed by the source
//   cluster. The data and the kubernetes.io/service-account.uid annotation are dropped (the token
//   controller deletes a token secret whose uid does not match), so the target cluster's token
//   controller mints a fresh token for the same ServiceAccount.
// - ServiceAccount secrets[] entries <sa>-token-*: the auto-generated token secrets of the
//   source cluster; the target cluster links its own.
// - Job spec.selector and template labels controller-uid / batch.kubernetes.io/controller-uid:
//   generated from the Job's uid; the API rejects a selector that does not match the new uid.
// Kept: labels, annotations (including kubectl.kubernetes.io/last-applied-configuration, the
// user's intent for later `kubectl apply` three-way merges), finalizers, everything in spec.
import type { KubeObject } from '../cluster/types.ts';

export interface PrepareOptions {
  restoreStatus?: boolean;
  preserveNodePorts?: boolean;
}

const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'generateName',
  'ownerReferences',
];

const PV_BINDING_ANNOTATIONS = ['pv.kubernetes.io/bind-completed', 'pv.kubernetes.io/bound-by-controller'];
const JOB_UID_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid'];

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Returns a prepared deep copy; the input is not modified. */
export function prepareObject(groupResource: string, input: KubeObject, opts: PrepareOptions = {}): KubeObject {
  const obj = structuredClone(input);
  const meta = obj.metadata as Json;
  for (const key of SERVER_METADATA) delete meta[key];
  if (!opts.restoreStatus) delete (obj as Json).status;
  const spec = isObject(obj.spec) ? obj.spec : undefined;

  switch (groupResource) {
    case 'services':
      if (spec) prepareService(spec, opts);
      break;
    case 'persistentvolumes':
      if (spec && isObject(spec.claimRef)) {
        delete spec.claimRef.uid;
        delete spec.claimRef.resourceVersion;
      }
      dropAnnotations(obj, PV_BINDING_ANNOTATIONS);
      break;
    case 'persistentvolumeclaims':
      dropAnnotations(obj, [...PV_BINDING_ANNOTATIONS, 'volume.kubernetes.io/selected-node']);
      break;
    case 'pods':
      if (spec) preparePodSpec(spec, { dropNodeName: true });
      break;
    case 'secrets':
      if (obj.type === 'kubernetes.io/service-account-token') {
        delete (obj as Json).data;
        delete (obj as Json).stringData;
        dropAnnotations(obj, ['kubernetes.io/service-account.uid']);
      }
      break;
    case 'serviceaccounts':
      prepareServiceAccount(obj);
      break;
    case 'jobs.batch':
      if (spec) prepareJob(spec);
      break;
  }
  return obj;
}

function prepareService(spec: Json, opts: PrepareOptions): void {
  if (spec.clusterIP !== 'None') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  if (!opts.preserveNodePorts) {
    delete spec.healthCheckNodePort;
    if (Array.isArray(spec.ports)) {
      for (const port of spec.ports) if (isObject(port)) delete port.nodePort;
    }
  }
}

function isTokenVolume(name: unknown, serviceAccount: string): boolean {
  return typeof name === 'string' && (name.startsWith('kube-api-access-') || name.startsWith(`${serviceAccount}-token-`));
}

function preparePodSpec(spec: Json, opts: { dropNodeName: boolean }): void {
  if (opts.dropNodeName) delete spec.nodeName;
  if (typeof spec.priorityClassName === 'string' && spec.priorityClassName !== '') delete spec.priority;
  const sa = typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : 'default';
  if (Array.isArray(spec.volumes)) {
    spec.volumes = spec.volumes.filter((v) => !(isObject(v) && isTokenVolume(v.name, sa)));
  }
  for (const key of ['containers', 'initContainers', 'ephemeralContainers']) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (isObject(c) && Array.isArray(c.volumeMounts)) {
        c.volumeMounts = c.volumeMounts.filter((m) => !(isObject(m) && isTokenVolume(m.name, sa)));
      }
    }
  }
}

function prepareServiceAccount(obj: KubeObject): void {
  const secrets = (obj as Json).secrets;
  if (!Array.isArray(secrets)) return;
  const prefix = `${obj.metadata.name}-token-`;
  const kept = secrets.filter((s) => !(isObject(s) && typeof s.name === 'string' && s.name.startsWith(prefix)));
  if (kept.length) (obj as Json).secrets = kept;
  else delete (obj as Json).secrets;
}

function prepareJob(spec: Json): void {
  // A manualSelector Job's selector is the user's own, not generated from the uid.
  if (spec.manualSelector === true) return;
  const selector = spec.selector;
  if (isObject(selector) && isObject(selector.matchLabels)) {
    for (const l of JOB_UID_LABELS) delete selector.matchLabels[l];
    if (Object.keys(selector.matchLabels).length === 0) delete selector.matchLabels;
    if (Object.keys(selector).length === 0) delete spec.selector;
  }
  const template = spec.template;
  if (isObject(template) && isObject(template.metadata) && isObject(template.metadata.labels)) {
    for (const l of JOB_UID_LABELS) delete template.metadata.labels[l];
  }
}

function dropAnnotations(obj: KubeObject, keys: string[]): void {
  const ann = obj.metadata.annotations;
  if (!ann) return;
  for (const k of keys) delete ann[k];
  if (Object.keys(ann).length === 0) delete obj.metadata.annotations;
}
