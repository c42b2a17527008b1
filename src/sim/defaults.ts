// Fields the apiserver and its controllers set, so objects read back look like a real cluster's:
// metadata stamps (uid, resourceVersion, creationTimestamp, generation, managedFields), Service IP
// and node-port allocation, namespace and Deployment status.
import { randomUUID } from 'node:crypto';
import { errors } from './status.ts';
import type { ServedResource } from './registry.ts';
import { stringifyExact } from '../exact-json.ts';

type Obj = Record<string, any>;

export function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The `spec`-like content whose change bumps metadata.generation (all but metadata and status). */
export function specFingerprint(obj: Obj): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return stringifyExact(rest);
}

/** A FieldsV1 set naming the fields present, as server-side field tracking records them. */
function fieldsV1(value: unknown, depth = 0): Obj {
  const out: Obj = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value) || depth > 6) return out;
  for (const [k, v] of Object.entries(value as Obj)) {
    out[`f:${k}`] = v !== null && typeof v === 'object' && !Array.isArray(v) ? fieldsV1(v, depth + 1) : {};
  }
  return out;
}

export function managedFieldsEntry(obj: Obj, manager: string, operation: 'Update' | 'Apply'): Obj {
  const { apiVersion, kind: _k, metadata, status: _s, ...rest } = obj;
  const meta: Obj = {};
  for (const key of ['labels', 'annotations', 'finalizers', 'ownerReferences']) {
    if (metadata?.[key] !== undefined) meta[`f:${key}`] = key === 'labels' || key === 'annotations' ? fieldsV1(metadata[key]) : {};
  }
  return {
    manager,
    operation,
    apiVersion,
    time: nowTimestamp(),
    fieldsType: 'FieldsV1',
    fieldsV1: { ...(Object.keys(meta).length ? { 'f:metadata': meta } : {}), ...fieldsV1(rest) },
  };
}

/** Types that have `metadata.generation` (those whose spec a controller observes). */
const GENERATION_TRACKED = new Set([
  'deployments.apps', 'statefulsets.apps', 'daemonsets.apps', 'replicasets.apps', 'jobs.batch', 'cronjobs.batch',
  'ingresses.networking.k8s.io', 'networkpolicies.networking.k8s.io', 'poddisruptionbudgets.policy',
  'customresourcedefinitions.apiextensions.k8s.io', 'pods',
]);

function tracksGeneration(def: ServedResource): boolean {
  return def.crd !== undefined || GENERATION_TRACKED.has(def.groupResource);
}

export function stampCreate(obj: Obj, def: ServedResource, resourceVersion: string, manager: string): void {
  const md = obj.metadata;
  md.uid = randomUUID();
  md.resourceVersion = resourceVersion;
  md.creationTimestamp = nowTimestamp();
  delete md.deletionTimestamp;
  delete md.selfLink;
  if (tracksGeneration(def)) md.generation = 1;
  else delete md.generation;
  md.managedFields = [managedFieldsEntry(obj, manager, 'Update')];
}

/** Carries server-owned metadata over from `old`, bumps generation when the spec changed. */
export function stampUpdate(obj: Obj, old: Obj, def: ServedResource, resourceVersion: string, manager: string): void {
  const md = obj.metadata;
  md.uid = old.metadata.uid;
  md.creationTimestamp = old.metadata.creationTimestamp;
  md.resourceVersion = resourceVersion;
  if (old.metadata.generation !== undefined) {
    md.generation = specFingerprint(obj) === specFingerprint(old) ? old.metadata.generation : old.metadata.generation + 1;
  } else if (tracksGeneration(def)) {
    md.generation = 1;
  }
  const others = (old.metadata.managedFields ?? []).filter((m: Obj) => m.manager !== manager);
  md.managedFields = [...others, managedFieldsEntry(obj, manager, 'Update')];
}

/** Allocates Service cluster IPs (10.96.0.0/16) and node ports (30000-32767) like the apiserver. */
export class Allocators {
  private readonly ips = new Set<string>(['10.96.0.1']);
  private readonly ports = new Set<number>();
  private nextIp = 10;
  private nextPort = 30000;

  /** An independent copy, for dry runs that must not take addresses. */
  clone(): Allocators {
    const copy = new Allocators();
    for (const ip of this.ips) copy.ips.add(ip);
    for (const p of this.ports) copy.ports.add(p);
    copy.nextIp = this.nextIp;
    copy.nextPort = this.nextPort;
    return copy;
  }

  allocateIp(): string {
    for (;;) {
      const n = this.nextIp++;
      const ip = `10.96.${(n >> 8) & 255}.${n & 255}`;
      if ((n & 255) !== 0 && !this.ips.has(ip)) {
        this.ips.add(ip);
        return ip;
      }
    }
  }

  claimIp(ip: string): boolean {
    if (this.ips.has(ip)) return false;
    this.ips.add(ip);
    return true;
  }

  releaseIp(ip: string | undefined): void {
    if (ip && ip !== 'None') this.ips.delete(ip);
  }

  allocatePort(): number {
    for (let i = 0; i < 2768; i++) {
      const p = this.nextPort;
      this.nextPort = this.nextPort >= 32767 ? 30000 : this.nextPort + 1;
      if (!this.ports.has(p)) {
        this.ports.add(p);
        return p;
      }
    }
    throw errors.invalid('', 'Service', '', [{ field: 'spec.ports[0].nodePort', message: 'range is full', reason: 'FieldValueInvalid' }]);
  }

  claimPort(p: number): boolean {
    if (this.ports.has(p)) return false;
    this.ports.add(p);
    return true;
  }

  releasePort(p: number | undefined): void {
    if (p !== undefined) this.ports.delete(p);
  }
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Service defaults and allocation. `old` is the stored Service on update (its IP stays). */
export function defaultService(obj: Obj, old: Obj | undefined, alloc: Allocators): void {
  const name = obj.metadata.name;
  const spec: Obj = (obj.spec ??= {});
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  const ports: Obj[] = spec.ports ?? [];
  for (const p of ports) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
  }
  if (spec.type === 'ExternalName') return;
  spec.internalTrafficPolicy ??= 'Cluster';
  spec.ipFamilies ??= ['IPv4'];
  spec.ipFamilyPolicy ??= 'SingleStack';
  const oldIp: string | undefined = old?.spec?.clusterIP;
  const wanted: string | undefined = spec.clusterIP || spec.clusterIPs?.[0] || undefined;
  if (old) {
    if (wanted && wanted !== oldIp) {
      throw errors.invalid('', 'Service', name, [{ field: 'spec.clusterIPs[0]', message: `Invalid value: "${wanted}": may not change once set`, reason: 'FieldValueInvalid' }]);
    }
    spec.clusterIP = oldIp;
  } else if (wanted === 'None') {
    spec.clusterIP = 'None';
  } else if (wanted) {
    if (!IPV4.test(wanted) || !wanted.startsWith('10.96.')) {
      throw errors.invalid('', 'Service', name, [{ field: 'spec.clusterIPs[0]', message: `Invalid value: "${wanted}": provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/16`, reason: 'FieldValueInvalid' }]);
    }
    if (!alloc.claimIp(wanted)) {
      throw errors.invalid('', 'Service', name, [{ field: 'spec.clusterIPs[0]', message: `Invalid value: "${wanted}": provided IP is already allocated`, reason: 'FieldValueInvalid' }]);
    }
    spec.clusterIP = wanted;
  } else {
    spec.clusterIP = alloc.allocateIp();
  }
  spec.clusterIPs = [spec.clusterIP];
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    const oldPorts = new Map<string, number>((old?.spec?.ports ?? []).map((p: Obj) => [`${p.port}/${p.protocol}`, p.nodePort]));
    ports.forEach((p, i) => {
      const kept = oldPorts.get(`${p.port}/${p.protocol}`);
      if (p.nodePort === undefined && kept !== undefined) p.nodePort = kept;
      else if (p.nodePort === undefined) p.nodePort = alloc.allocatePort();
      else if (p.nodePort !== kept && !alloc.claimPort(p.nodePort)) {
        throw errors.invalid('', 'Service', name, [{ field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${p.nodePort}: provided port is already allocated`, reason: 'FieldValueInvalid' }]);
      }
    });
    spec.externalTrafficPolicy ??= 'Cluster';
  }
  obj.status = old?.status ?? { loadBalancer: {} };
}

export function releaseService(obj: Obj, alloc: Allocators): void {
  alloc.releaseIp(obj.spec?.clusterIP);
  for (const p of obj.spec?.ports ?? []) alloc.releasePort(p.nodePort);
}

export function defaultDeployment(obj: Obj): void {
  const spec: Obj = (obj.spec ??= {});
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  obj.metadata.annotations = { 'deployment.kubernetes.io/revision': '1', ...(obj.metadata.annotations ?? {}) };
}

/** What the Deployment controller would report once every replica is up. */
export function deploymentStatus(obj: Obj): Obj {
  const replicas = obj.spec?.replicas ?? 1;
  const t = nowTimestamp();
  return {
    observedGeneration: obj.metadata.generation,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    conditions: [
      { type: 'Available', status: 'True', lastUpdateTime: t, lastTransitionTime: t, reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
      { type: 'Progressing', status: 'True', lastUpdateTime: t, lastTransitionTime: t, reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${obj.metadata.name}" has successfully progressed.` },
    ],
  };
}

/** The status a workload controller reports once everything runs, or undefined for other types. */
export function controllerStatus(groupResource: string, obj: Obj): Obj | undefined {
  const replicas = obj.spec?.replicas ?? 1;
  const observedGeneration = obj.metadata.generation;
  switch (groupResource) {
    case 'deployments.apps':
      return deploymentStatus(obj);
    case 'statefulsets.apps':
      return { observedGeneration, replicas, readyReplicas: replicas, availableReplicas: replicas, currentReplicas: replicas, updatedReplicas: replicas };
    case 'replicasets.apps':
      return { observedGeneration, replicas, fullyLabeledReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas };
    case 'daemonsets.apps':
      return { observedGeneration, currentNumberScheduled: 1, desiredNumberScheduled: 1, numberAvailable: 1, numberMisscheduled: 0, numberReady: 1, updatedNumberScheduled: 1 };
    case 'pods':
      return { phase: 'Pending', qosClass: 'BestEffort' };
    case 'persistentvolumeclaims':
      return { phase: 'Pending' };
    default:
      return undefined;
  }
}

export function defaultNamespace(obj: Obj): void {
  obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name };
  obj.spec = { finalizers: ['kubernetes'], ...(obj.spec ?? {}) };
  obj.status = { phase: 'Active' };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** stringData is write-only: the apiserver folds it into base64 data. data must already be base64. */
export function defaultSecret(obj: Obj): void {
  obj.type ??= 'Opaque';
  for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, unknown>)) {
    if (typeof v !== 'string' || !BASE64.test(v)) {
      throw errors.badRequest(`Secret in version "v1" cannot be handled as a Secret: data["${k}"] is not valid base64 (encode the value, or send it in stringData)`);
    }
  }
  if (obj.stringData && typeof obj.stringData === 'object') {
    obj.data = { ...(obj.data ?? {}) };
    for (const [k, v] of Object.entries(obj.stringData as Record<string, string>)) obj.data[k] = Buffer.from(String(v)).toString('base64');
    delete obj.stringData;
  }
}

/** ConfigMap data values are strings, binaryData values base64: the apiserver fails to decode anything else. */
export function checkConfigMap(obj: Obj): void {
  for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, unknown>)) {
    if (typeof v !== 'string') {
      throw errors.badRequest(`ConfigMap in version "v1" cannot be handled as a ConfigMap: data["${k}"] must be a string, got ${JSON.stringify(v)}`);
    }
  }
  for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Record<string, unknown>)) {
    if (typeof v !== 'string' || !BASE64.test(v)) {
      throw errors.badRequest(`ConfigMap in version "v1" cannot be handled as a ConfigMap: binaryData["${k}"] is not valid base64`);
    }
  }
}

/** ConfigMaps and Secrets marked immutable keep their data (and the mark) for good. */
export function checkImmutable(obj: Obj, old: Obj, kind: string): void {
  if (old.immutable !== true) return;
  const same = (a: unknown, b: unknown): boolean => stringifyExact(a ?? {}) === stringifyExact(b ?? {});
  const name = obj.metadata.name;
  if (obj.immutable !== true) throw errors.invalid('', kind, name, [{ field: 'immutable', message: 'Forbidden: field is immutable when `immutable` is set', reason: 'FieldValueForbidden' }]);
  if (!same(obj.data, old.data)) throw errors.invalid('', kind, name, [{ field: 'data', message: 'Forbidden: field is immutable when `immutable` is set', reason: 'FieldValueForbidden' }]);
  if (!same(obj.binaryData, old.binaryData)) throw errors.invalid('', kind, name, [{ field: 'binaryData', message: 'Forbidden: field is immutable when `immutable` is set', reason: 'FieldValueForbidden' }]);
}
