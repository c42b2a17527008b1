// The built-in resources the simulator serves, as a real v1.31 apiserver lists them in discovery.
// Subresources (status, scale, ...) are listed so clients learn to skip them; the simulator
// answers them with a clear MethodNotAllowed rather than pretending to implement them.

export interface ResourceDef {
  group: string; // "" for core
  version: string;
  resource: string; // plural
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  subresources: string[];
  categories?: string[];
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const NO_COLLECTION_DELETE = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

interface Entry {
  r: string;
  kind: string;
  ns: boolean;
  short?: string[];
  sub?: string[];
  verbs?: string[];
  cat?: string[];
}

function defs(group: string, version: string, entries: Entry[]): ResourceDef[] {
  return entries.map((e) => ({
    group,
    version,
    resource: e.r,
    singular: e.kind.toLowerCase(),
    kind: e.kind,
    listKind: `${e.kind}List`,
    namespaced: e.ns,
    shortNames: e.short ?? [],
    verbs: e.verbs ?? ALL_VERBS,
    subresources: e.sub ?? [],
    ...(e.cat ? { categories: e.cat } : {}),
  }));
}

export const BUILTIN_RESOURCES: ResourceDef[] = [
  ...defs('', 'v1', [
    { r: 'namespaces', kind: 'Namespace', ns: false, short: ['ns'], sub: ['status', 'finalize'], verbs: NO_COLLECTION_DELETE },
    { r: 'configmaps', kind: 'ConfigMap', ns: true, short: ['cm'] },
    { r: 'secrets', kind: 'Secret', ns: true },
    { r: 'services', kind: 'Service', ns: true, short: ['svc'], sub: ['status', 'proxy'], verbs: NO_COLLECTION_DELETE, cat: ['all'] },
    { r: 'serviceaccounts', kind: 'ServiceAccount', ns: true, short: ['sa'], sub: ['token'] },
    { r: 'pods', kind: 'Pod', ns: true, short: ['po'], sub: ['status', 'log', 'exec', 'eviction', 'binding'], cat: ['all'] },
    { r: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', ns: true, short: ['pvc'], sub: ['status'] },
    { r: 'persistentvolumes', kind: 'PersistentVolume', ns: false, short: ['pv'], sub: ['status'] },
    { r: 'endpoints', kind: 'Endpoints', ns: true, short: ['ep'] },
    { r: 'events', kind: 'Event', ns: true, short: ['ev'] },
    { r: 'nodes', kind: 'Node', ns: false, short: ['no'], sub: ['status', 'proxy'] },
    { r: 'limitranges', kind: 'LimitRange', ns: true, short: ['limits'] },
    { r: 'resourcequotas', kind: 'ResourceQuota', ns: true, short: ['quota'], sub: ['status'] },
  ]),
  ...defs('apps', 'v1', [
    { r: 'deployments', kind: 'Deployment', ns: true, short: ['deploy'], sub: ['status', 'scale'], cat: ['all'] },
    { r: 'statefulsets', kind: 'StatefulSet', ns: true, short: ['sts'], sub: ['status', 'scale'], cat: ['all'] },
    { r: 'daemonsets', kind: 'DaemonSet', ns: true, short: ['ds'], sub: ['status'], cat: ['all'] },
    { r: 'replicasets', kind: 'ReplicaSet', ns: true, short: ['rs'], sub: ['status', 'scale'], cat: ['all'] },
    { r: 'controllerrevisions', kind: 'ControllerRevision', ns: true },
  ]),
  ...defs('batch', 'v1', [
    { r: 'jobs', kind: 'Job', ns: true, sub: ['status'], cat: ['all'] },
    { r: 'cronjobs', kind: 'CronJob', ns: true, short: ['cj'], sub: ['status'], cat: ['all'] },
  ]),
  ...defs('rbac.authorization.k8s.io', 'v1', [
    { r: 'roles', kind: 'Role', ns: true },
    { r: 'rolebindings', kind: 'RoleBinding', ns: true },
    { r: 'clusterroles', kind: 'ClusterRole', ns: false },
    { r: 'clusterrolebindings', kind: 'ClusterRoleBinding', ns: false },
  ]),
  ...defs('networking.k8s.io', 'v1', [
    { r: 'ingresses', kind: 'Ingress', ns: true, short: ['ing'], sub: ['status'] },
    { r: 'ingressclasses', kind: 'IngressClass', ns: false },
    { r: 'networkpolicies', kind: 'NetworkPolicy', ns: true, short: ['netpol'] },
  ]),
  ...defs('storage.k8s.io', 'v1', [{ r: 'storageclasses', kind: 'StorageClass', ns: false, short: ['sc'] }]),
  ...defs('discovery.k8s.io', 'v1', [{ r: 'endpointslices', kind: 'EndpointSlice', ns: true }]),
  ...defs('apiextensions.k8s.io', 'v1', [
    { r: 'customresourcedefinitions', kind: 'CustomResourceDefinition', ns: false, short: ['crd', 'crds'], sub: ['status'], cat: ['api-extensions'] },
  ]),
  ...defs('events.k8s.io', 'v1', [{ r: 'events', kind: 'Event', ns: true, short: ['ev'] }]),
  ...defs('admissionregistration.k8s.io', 'v1', [
    { r: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration', ns: false, cat: ['api-extensions'] },
    { r: 'validatingwebhookconfigurations', kind: 'ValidatingWebhookConfiguration', ns: false, cat: ['api-extensions'] },
  ]),
  ...defs('coordination.k8s.io', 'v1', [{ r: 'leases', kind: 'Lease', ns: true }]),
  ...defs('scheduling.k8s.io', 'v1', [{ r: 'priorityclasses', kind: 'PriorityClass', ns: false, short: ['pc'] }]),
  ...defs('policy', 'v1', [{ r: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', ns: true, short: ['pdb'], sub: ['status'] }]),
];

/** Velero's spelling: "configmaps" for core, "deployments.apps" otherwise. */
export function groupResourceOf(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}
