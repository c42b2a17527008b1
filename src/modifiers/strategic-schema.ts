// The list merge keys strategic merge patch knows, taken from the Kubernetes API types'
// `patchStrategy`/`patchMergeKey` tags (k8s.io/api). Only these lists merge; every other list
// is replaced, as the apiserver does for fields without a patch strategy.
//
//   where                                   field                       merges by
//   ─────────────────────────────────────── ─────────────────────────── ──────────────────────
//   metadata (built-in kinds)               finalizers                  value (set union)
//                                           ownerReferences             uid
//   pod spec¹                               containers                  name
//                                           initContainers              name
//                                           ephemeralContainers         name
//                                           volumes                     name
//                                           imagePullSecrets            name
//                                           hostAliases                 ip
//                                           topologySpreadConstraints   topologyKey
//                                           resourceClaims              name
//                                           schedulingGates             name
//   container (all three container lists)   env                         name
//                                           ports                       containerPort
//                                           volumeMounts                mountPath
//                                           volumeDevices               devicePath
//   Service spec                            ports                       port
//   status (Pod, Node, workloads, …)        conditions                  type
//   Node status                             addresses                   type
//
//   ¹ Pod: spec; PodTemplate: template.spec; Deployment, ReplicaSet, StatefulSet, DaemonSet,
//     ReplicationController, Job: spec.template.spec; CronJob: spec.jobTemplate.spec.template.spec
//   Replaced (no patch strategy in the API): tolerations, envFrom, args, command, volumeClaimTemplates,
//   Service externalIPs, RBAC rules/subjects, Ingress rules, and all lists of custom resources.
//
// Kinds outside the built-in API groups (custom resources) get no schema: maps merge, lists are
// replaced, directives still apply. (Velero itself refuses strategic patches for kinds its
// scheme does not know; we apply them with these plain-merge semantics instead.)

export type FieldSchema =
  | { map: MapSchema } // a nested object with its own known fields
  | { mergeKey: string; item?: MapSchema } // a list of objects merged by a key
  | { set: true }; // a list of scalars merged as a set (finalizers)

export interface MapSchema {
  [field: string]: FieldSchema;
}

const container: MapSchema = {
  env: { mergeKey: 'name' },
  ports: { mergeKey: 'containerPort' },
  volumeMounts: { mergeKey: 'mountPath' },
  volumeDevices: { mergeKey: 'devicePath' },
};

const podSpec: MapSchema = {
  containers: { mergeKey: 'name', item: container },
  initContainers: { mergeKey: 'name', item: container },
  ephemeralContainers: { mergeKey: 'name', item: container },
  volumes: { mergeKey: 'name' },
  imagePullSecrets: { mergeKey: 'name' },
  hostAliases: { mergeKey: 'ip' },
  topologySpreadConstraints: { mergeKey: 'topologyKey' },
  resourceClaims: { mergeKey: 'name' },
  schedulingGates: { mergeKey: 'name' },
};

const objectMeta: MapSchema = {
  finalizers: { set: true },
  ownerReferences: { mergeKey: 'uid' },
};

const conditionsStatus: MapSchema = { conditions: { mergeKey: 'type' } };
const podTemplate: MapSchema = { metadata: { map: objectMeta }, spec: { map: podSpec } };
const workload = (spec: MapSchema): MapSchema => ({ metadata: { map: objectMeta }, spec: { map: spec }, status: { map: conditionsStatus } });

/** group/Kind → schema of the whole object. */
const KINDS: Record<string, MapSchema> = {
  '/Pod': workload(podSpec),
  '/PodTemplate': { metadata: { map: objectMeta }, template: { map: podTemplate } },
  '/ReplicationController': workload({ template: { map: podTemplate } }),
  'apps/Deployment': workload({ template: { map: podTemplate } }),
  'apps/ReplicaSet': workload({ template: { map: podTemplate } }),
  'apps/StatefulSet': workload({ template: { map: podTemplate } }),
  'apps/DaemonSet': workload({ template: { map: podTemplate } }),
  'batch/Job': workload({ template: { map: podTemplate } }),
  'batch/CronJob': workload({ jobTemplate: { map: { metadata: { map: objectMeta }, spec: { map: { template: { map: podTemplate } } } } } }),
  '/Service': { metadata: { map: objectMeta }, spec: { map: { ports: { mergeKey: 'port' } } }, status: { map: conditionsStatus } },
  '/Node': { metadata: { map: objectMeta }, status: { map: { conditions: { mergeKey: 'type' }, addresses: { mergeKey: 'type' } } } },
  '/Namespace': workload({}),
  '/PersistentVolumeClaim': workload({}),
};

/** API groups whose kinds are built in (compiled into Velero's scheme). */
const BUILT_IN_GROUPS = new Set([
  '', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io',
  'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io', 'admissionregistration.k8s.io',
  'certificates.k8s.io', 'events.k8s.io', 'flowcontrol.apiserver.k8s.io', 'resource.k8s.io', 'apiextensions.k8s.io',
]);

const NO_SCHEMA: MapSchema = {};
const META_ONLY: MapSchema = { metadata: { map: objectMeta } };

export function groupOf(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string') return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function schemaFor(apiVersion: unknown, kind: unknown): MapSchema {
  const group = groupOf(apiVersion);
  if (!BUILT_IN_GROUPS.has(group)) return NO_SCHEMA;
  return KINDS[`${group}/${String(kind)}`] ?? META_ONLY;
}
