// The verbs of the simulated apiserver, free of HTTP: list, get, create, update, patch, delete
// and deletecollection over the object store, with the checks and server-set fields of a real
// apiserver. The HTTP layer (server.ts) routes requests here and renders the results.
import { apiVersionOf } from './catalog.ts';
import { Registry, type ServedResource } from './registry.ts';
import { ObjectStore, objectKey, lowerBound, type StoredObject } from './store.ts';
import { ApiStatusError, errors } from './status.ts';
import { checkBody, checkName, checkNamespace, generatedName } from './validate.ts';
import { applyPatch } from './patch.ts';
import { syncVolumes } from './volumes.ts';
import { parseLabelSelector, parseFieldSelector, matchesLabels, matchesFields, COMMON_FIELDS, SelectorError } from './selectors.ts';
import { Allocators, stampCreate, stampUpdate, defaultService, releaseService, defaultDeployment, defaultNamespace, defaultSecret, checkConfigMap, checkImmutable, controllerStatus, nowTimestamp } from './defaults.ts';
import { CRD_GROUP_RESOURCE, checkCrd, crdResources, pendingStatus, establishedStatus, isEstablished } from './crds.ts';

type Obj = Record<string, any>;

/** Where a request points: a served resource, in a namespace or not, optionally one object. */
export interface Target {
  def: ServedResource;
  /** The apiVersion of the URL (custom resources are served in every served version). */
  apiVersion: string;
  namespace?: string;
  name?: string;
}

export interface ListQuery {
  /** With resourceVersionMatch=Exact: the revision the caller wants the list at. */
  exactResourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface WriteOptions {
  manager: string;
  dryRun: boolean;
}

/** Extra field selectors a few types support on top of metadata.name/namespace. */
const EXTRA_FIELDS: Record<string, string[]> = {
  secrets: ['type'],
  pods: ['spec.nodeName', 'status.phase', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName'],
  events: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'reason', 'type', 'source'],
  namespaces: ['status.phase'],
  nodes: ['spec.unschedulable'],
};

const UNDELETABLE_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

export class ClusterApi {
  readonly registry: Registry;
  readonly store = new ObjectStore();
  private readonly alloc = new Allocators();
  private readonly pendingCrds = new Map<string, NodeJS.Timeout>();
  /** Namespaces whose simulated namespace controller has not finished yet. */
  private readonly terminating = new Map<string, NodeJS.Timeout>();

  /**
   * @param crdEstablishDelayMs how long a new CRD takes to become Established (a real controller takes a moment).
   * @param cohabiting serve Ingress through extensions/v1beta1 too, one storage (Kubernetes 1.19-1.21).
   * @param namespaceTerminationMs how long a deleted namespace stays Terminating (0: gone at once, unless it has finalizers).
   */
  constructor(
    private readonly crdEstablishDelayMs = 50,
    cohabiting = false,
    private readonly namespaceTerminationMs = 0,
  ) {
    this.registry = new Registry(cohabiting);
  }

  // ---- reads ---------------------------------------------------------------------------

  get(t: Target): Obj {
    const obj = this.store.table(t.def.groupResource).get(objectKey(t.namespace, t.name!));
    if (!obj) throw errors.notFound(t.def.group, t.def.resource, t.name!);
    return this.present(t, obj, false);
  }

  list(t: Target, q: ListQuery): Obj {
    const { def } = t;
    let labels;
    let fields;
    try {
      labels = parseLabelSelector(q.labelSelector ?? '');
      fields = parseFieldSelector(q.fieldSelector ?? '', [...COMMON_FIELDS, ...(def.crd ? [] : EXTRA_FIELDS[def.groupResource] ?? [])]);
    } catch (err) {
      if (err instanceof SelectorError) throw errors.badRequest(err.message);
      throw err;
    }
    const table = this.store.table(def.groupResource);
    const keys = table.keys();
    let [start, end] = def.namespaced && t.namespace ? table.namespaceRange(t.namespace) : [0, keys.length];
    const rv = this.store.currentResourceVersion;
    // There is no history to serve an older revision from; say so the way a compacted etcd would.
    if (q.exactResourceVersion !== undefined && q.exactResourceVersion !== rv) {
      throw new ApiStatusError(410, 'Expired', `too old resource version: ${q.exactResourceVersion} (${rv}); the simulator serves lists at the current revision only`);
    }
    if (q.continue) start = Math.max(start, this.resumeAt(keys, q.continue, def.groupResource));
    const limit = q.limit && q.limit > 0 ? q.limit : Infinity;
    const filtered = labels.length > 0 || fields.length > 0;
    const items: Obj[] = [];
    let i = start;
    for (; i < end && items.length < limit; i++) {
      const obj = table.get(keys[i])!;
      if (filtered && !(matchesLabels(labels, obj.metadata.labels) && matchesFields(fields, obj))) continue;
      items.push(this.present(t, obj, true));
    }
    const metadata: Obj = { resourceVersion: rv };
    if (i < end) {
      metadata.continue = encodeContinue(rv, def.groupResource, keys[i - 1]);
      // Like the apiserver, the count is only known without selectors.
      if (!filtered) metadata.remainingItemCount = end - i;
    }
    return { kind: def.listKind, apiVersion: t.apiVersion, metadata, items };
  }

  private resumeAt(keys: readonly string[], token: string, groupResource: string): number {
    const decoded = decodeContinue(token);
    if (!decoded || !decoded.start.startsWith(`${groupResource}|`)) {
      throw errors.badRequest('continue key is not valid: it was not issued for this resource (start the list again without "continue")');
    }
    const last = decoded.start.slice(groupResource.length + 1);
    const at = lowerBound(keys, last);
    return keys[at] === last ? at + 1 : at;
  }

  /** Renders a stored object for the URL's version; list items of built-in types carry no kind/apiVersion, as on a real apiserver. */
  private present(t: Target, obj: StoredObject, inList: boolean): Obj {
    if (inList && !t.def.crd) {
      const { apiVersion: _a, kind: _k, ...rest } = obj;
      return rest;
    }
    return obj.apiVersion === t.apiVersion ? obj : { ...obj, apiVersion: t.apiVersion };
  }

  // ---- writes --------------------------------------------------------------------------

  create(t: Target, body: unknown, opts: WriteOptions): Obj {
    const { def } = t;
    const obj = checkBody(body, def, t.apiVersion);
    checkNamespace(obj, def, t.namespace);
    const md = obj.metadata;
    // etcd's storage refuses this, and the apiserver reports it as an internal error.
    if (md.resourceVersion !== undefined && md.resourceVersion !== '') {
      throw new ApiStatusError(500, 'InternalError', 'Internal error occurred: resourceVersion should not be set on objects to be created', {
        causes: [{ message: 'resourceVersion should not be set on objects to be created' }],
      });
    }
    const table = this.store.table(def.groupResource);
    if ((md.name === undefined || md.name === '') && typeof md.generateName === 'string' && md.generateName !== '') {
      // Retry a few times on a collision of the random suffix, as the apiserver's clients would.
      for (let i = 0; i < 8 && (md.name === undefined || table.get(objectKey(md.namespace, md.name))); i++) md.name = generatedName(md.generateName);
    }
    checkName(obj, def);
    if (def.namespaced) {
      const namespace = this.store.table('namespaces').get(md.namespace);
      if (!namespace) throw errors.namespaceNotFound(md.namespace);
      if (namespace.metadata.deletionTimestamp) throw errors.namespaceTerminating(def.group, def.resource, md.name, md.namespace);
    }
    const key = objectKey(md.namespace, md.name);
    const existing = table.get(key);
    if (existing?.metadata.deletionTimestamp) {
      // The generic registry's answer for an object still being deleted (registry/generic/registry/store.go).
      throw new ApiStatusError(409, 'AlreadyExists', `object is being deleted: ${def.group ? `${def.resource}.${def.group}` : def.resource} "${md.name}" already exists`, { name: md.name, ...(def.group ? { group: def.group } : {}), kind: def.resource });
    }
    if (existing) throw errors.alreadyExists(def.group, def.resource, md.name);
    if (def.crd) obj.apiVersion = apiVersionOf(def.group, def.storageVersion!);
    else if (def.storedAs) obj.apiVersion = apiVersionOf(def.storedAs.group, def.storedAs.version);
    if (def.subresources.includes('status')) delete obj.status;
    this.applyTypeRules(def, obj, undefined, opts.dryRun);
    stampCreate(obj, def, opts.dryRun ? this.store.currentResourceVersion : this.store.nextResourceVersion(), opts.manager);
    const status = controllerStatus(def.groupResource, obj);
    if (status) obj.status = status;
    if (opts.dryRun) return this.present(t, obj as StoredObject, false);
    table.put(key, obj as StoredObject);
    if (def.groupResource === CRD_GROUP_RESOURCE) this.scheduleEstablish(obj);
    if (def.groupResource === 'services') this.serviceEndpoints(obj);
    if (def.groupResource === 'persistentvolumes' || def.groupResource === 'persistentvolumeclaims') {
      syncVolumes(this.store);
      return this.present(t, table.get(key)!, false);
    }
    return this.present(t, obj as StoredObject, false);
  }

  update(t: Target, body: unknown, opts: WriteOptions): Obj {
    const { def } = t;
    const obj = checkBody(body, def, t.apiVersion);
    checkNamespace(obj, def, t.namespace);
    if (obj.metadata.name !== undefined && obj.metadata.name !== t.name) {
      throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${t.name})`);
    }
    obj.metadata.name = t.name;
    return this.replace(t, obj, opts);
  }

  patch(t: Target, body: unknown, contentType: string, opts: WriteOptions): Obj {
    const { def } = t;
    const current = this.store.table(def.groupResource).get(objectKey(t.namespace, t.name!));
    if (!current) throw errors.notFound(def.group, def.resource, t.name!);
    const patched = applyPatch(this.present(t, current, false), body, contentType, { kind: def.kind, name: t.name! });
    const md = patched.metadata as Obj | undefined;
    if (!md || typeof md !== 'object') throw errors.invalid(def.group, def.kind, t.name!, [{ field: 'metadata', message: 'Required value: the patch removed metadata', reason: 'FieldValueRequired' }]);
    if (md.name !== t.name) throw errors.invalid(def.group, def.kind, t.name!, [{ field: 'metadata.name', message: `Invalid value: "${md.name}": field is immutable` }]);
    if (def.namespaced && md.namespace !== t.namespace) throw errors.invalid(def.group, def.kind, t.name!, [{ field: 'metadata.namespace', message: `Invalid value: "${md.namespace}": field is immutable` }]);
    // A patch that keeps the stored resourceVersion is unconditional; one that sets another is a precondition.
    return this.replace(t, checkBody(patched, def, t.apiVersion), opts);
  }

  /**
   * PUT on the status subresource: only the status changes (metadata and spec stay as stored),
   * with the resourceVersion precondition of an update, as the apiserver's status strategy does.
   */
  updateStatus(t: Target, body: unknown, opts: WriteOptions): Obj {
    const { def } = t;
    const table = this.store.table(def.groupResource);
    const key = objectKey(t.namespace, t.name!);
    const old = table.get(key);
    if (!old) throw errors.notFound(def.group, def.resource, t.name!);
    const obj = checkBody(body, def, t.apiVersion);
    if (obj.metadata.name !== undefined && obj.metadata.name !== t.name) {
      throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${t.name})`);
    }
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) throw errors.conflict(def.group, def.resource, t.name!);
    const next = structuredClone(old) as Obj;
    if (obj.status === undefined) delete next.status;
    else next.status = obj.status;
    stampUpdate(next, old, def, opts.dryRun ? old.metadata.resourceVersion : this.store.nextResourceVersion(), opts.manager);
    if (opts.dryRun) return this.present(t, next as StoredObject, false);
    table.put(key, next as StoredObject);
    return this.present(t, next as StoredObject, false);
  }

  /** PATCH on the status subresource: the patch applies to the whole object, only its status is kept. */
  patchStatus(t: Target, body: unknown, contentType: string, opts: WriteOptions): Obj {
    const { def } = t;
    const current = this.store.table(def.groupResource).get(objectKey(t.namespace, t.name!));
    if (!current) throw errors.notFound(def.group, def.resource, t.name!);
    const patched = applyPatch(this.present(t, current, false), body, contentType, { kind: def.kind, name: t.name! });
    return this.updateStatus(t, patched, opts);
  }

  /** The common end of update and patch: preconditions, server fields, type rules, store. */
  private replace(t: Target, obj: Obj, opts: WriteOptions): Obj {
    const { def } = t;
    const table = this.store.table(def.groupResource);
    const key = objectKey(t.namespace, t.name!);
    const old = table.get(key);
    if (!old) throw errors.notFound(def.group, def.resource, t.name!);
    checkName(obj, def);
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) throw errors.conflict(def.group, def.resource, t.name!);
    if (obj.metadata.uid !== undefined && obj.metadata.uid !== '' && obj.metadata.uid !== old.metadata.uid) {
      throw new ApiStatusError(409, 'Conflict', `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${old.metadata.uid}`, { name: t.name, kind: def.resource });
    }
    if (def.crd || def.storedAs) obj.apiVersion = old.apiVersion;
    if (def.subresources.includes('status')) obj.status = old.status;
    this.applyTypeRules(def, obj, old, opts.dryRun);
    stampUpdate(obj, old, def, opts.dryRun ? old.metadata.resourceVersion : this.store.nextResourceVersion(), opts.manager);
    const status = controllerStatus(def.groupResource, obj);
    if (status) obj.status = status;
    if (opts.dryRun) return this.present(t, obj as StoredObject, false);
    if (old.metadata.deletionTimestamp) {
      // Being deleted: deletionTimestamp stays; with no finalizers left the object goes
      // (registry/generic/registry/store.go, deletion by finalizer removal).
      obj.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
      if (def.groupResource === 'namespaces') obj.status = old.status;
      if (((obj.metadata.finalizers as string[] | undefined) ?? []).length === 0 && !(def.groupResource === 'namespaces' && this.terminating.has(t.name!))) {
        this.remove(def, key, old);
        return this.present(t, obj as StoredObject, false);
      }
    }
    table.put(key, obj as StoredObject);
    if (def.groupResource === 'persistentvolumes' || def.groupResource === 'persistentvolumeclaims') {
      syncVolumes(this.store);
      return this.present(t, table.get(key)!, false);
    }
    if (def.groupResource === CRD_GROUP_RESOURCE && isEstablished(old)) {
      this.registry.unregisterCustom(obj.metadata.name);
      this.registry.registerCustom(crdResources(obj));
    }
    return this.present(t, obj as StoredObject, false);
  }

  delete(t: Target, options: Obj | undefined, dryRun: boolean): Obj {
    const { def } = t;
    const table = this.store.table(def.groupResource);
    const key = objectKey(t.namespace, t.name!);
    const old = table.get(key);
    if (!old) throw errors.notFound(def.group, def.resource, t.name!);
    const pre = options?.preconditions ?? {};
    if (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw new ApiStatusError(409, 'Conflict', `Operation cannot be fulfilled on ${def.groupResource} "${t.name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`, { name: t.name, kind: def.resource });
    }
    if (pre.uid && pre.uid !== old.metadata.uid) {
      throw new ApiStatusError(409, 'Conflict', `Operation cannot be fulfilled on ${def.groupResource} "${t.name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`, { name: t.name, kind: def.resource });
    }
    if (def.groupResource === 'namespaces' && UNDELETABLE_NAMESPACES.has(t.name!)) {
      throw new ApiStatusError(403, 'Forbidden', `namespaces "${t.name}" is forbidden: this namespace may not be deleted`, { name: t.name, kind: 'namespaces' });
    }
    if (dryRun) return this.deletedBody(t, old);
    if (def.groupResource === 'namespaces') return this.terminateNamespace(t, key, old);
    this.remove(def, key, old);
    return this.deletedBody(t, old);
  }

  /**
   * Deleting a namespace does not remove it at once: it gets a deletionTimestamp and
   * status.phase Terminating, the namespace controller deletes everything in it and then removes
   * the "kubernetes" finalizer, and the namespace goes once no metadata.finalizers remain
   * (pkg/registry/core/namespace/storage/storage.go, pkg/controller/namespace). Creates inside it
   * meanwhile are refused (errors.namespaceTerminating). The simulator's controller finishes
   * after namespaceTerminationMs (0: at once); a namespace with metadata.finalizers stays
   * Terminating until an update removes them.
   */
  private terminateNamespace(t: Target, key: string, old: StoredObject): Obj {
    const table = this.store.table('namespaces');
    if (old.metadata.deletionTimestamp) return this.present(t, old, false);
    const finalizers = (old.metadata.finalizers as string[] | undefined) ?? [];
    if (this.namespaceTerminationMs === 0 && finalizers.length === 0) {
      this.remove(t.def, key, old);
      return this.deletedBody(t, old);
    }
    const next = structuredClone(old) as Obj;
    next.metadata.deletionTimestamp = nowTimestamp();
    next.metadata.deletionGracePeriodSeconds = 0;
    next.metadata.resourceVersion = this.store.nextResourceVersion();
    next.status = { ...(next.status ?? {}), phase: 'Terminating' };
    table.put(key, next as StoredObject);
    this.removeNamespaceContents(old.metadata.name);
    const uid = old.metadata.uid;
    const timer = setTimeout(() => {
      this.terminating.delete(old.metadata.name);
      const current = table.get(key);
      if (current && current.metadata.uid === uid && ((current.metadata.finalizers as string[] | undefined) ?? []).length === 0) this.remove(t.def, key, current);
    }, this.namespaceTerminationMs);
    timer.unref();
    this.terminating.set(old.metadata.name, timer);
    return this.present(t, next as StoredObject, false);
  }

  deleteCollection(t: Target, q: ListQuery, dryRun: boolean): Obj {
    const listed = this.list(t, { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector });
    const items: Obj[] = [];
    for (const item of listed.items as Obj[]) {
      const target = { ...t, namespace: item.metadata.namespace, name: item.metadata.name };
      if (t.def.groupResource === 'namespaces' && UNDELETABLE_NAMESPACES.has(item.metadata.name)) continue;
      this.delete(target, undefined, dryRun);
      items.push(item);
    }
    return { ...listed, metadata: { resourceVersion: this.store.currentResourceVersion }, items };
  }

  /** Namespaces and CRDs answer with the object marked for deletion; other types with a success Status. */
  private deletedBody(t: Target, old: StoredObject): Obj {
    const gr = t.def.groupResource;
    if (gr === 'namespaces' || gr === CRD_GROUP_RESOURCE || t.def.crd) {
      const copy = structuredClone(this.present(t, old, false));
      copy.metadata.deletionTimestamp = nowTimestamp();
      if (gr === 'namespaces') copy.status = { phase: 'Terminating' };
      return copy;
    }
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: t.name, ...(t.def.group ? { group: t.def.group } : {}), kind: t.def.resource, uid: old.metadata.uid },
    };
  }

  /** Removes an object and what hangs off it (a namespace's objects, a CRD's resources). */
  private remove(def: ServedResource, key: string, old: StoredObject): void {
    this.store.table(def.groupResource).delete(key);
    this.store.nextResourceVersion();
    if (def.groupResource === 'services') releaseService(old, this.alloc);
    if (def.groupResource === 'persistentvolumeclaims' || def.groupResource === 'persistentvolumes') syncVolumes(this.store);
    if (def.groupResource === 'namespaces') this.removeNamespaceContents(old.metadata.name);
    if (def.groupResource === CRD_GROUP_RESOURCE) {
      const name = old.metadata.name;
      clearTimeout(this.pendingCrds.get(name));
      this.pendingCrds.delete(name);
      this.registry.unregisterCustom(name);
      this.store.dropTable(`${(old as Obj).spec.names.plural}.${(old as Obj).spec.group}`);
    }
  }

  /**
   * The endpoints and endpointslice controllers: a Service with a selector gets an Endpoints
   * object of its name (pkg/controller/endpoint) and an EndpointSlice "<service>-<random>"
   * labelled kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by:
   * endpointslice-controller.k8s.io, owned by the Service (pkg/controller/endpointslice,
   * reconciler.go). The simulator runs no pods, so both list no endpoints.
   */
  private serviceEndpoints(svc: Obj): void {
    const selector = svc.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) return;
    const namespace = svc.metadata.namespace;
    const name = svc.metadata.name;
    const opts = { manager: 'kube-controller-manager', dryRun: false };
    const ports = ((svc.spec.ports ?? []) as Obj[]).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: typeof p.targetPort === 'number' ? p.targetPort : p.port, protocol: p.protocol ?? 'TCP' }));
    const endpoints = this.registry.lookup('', 'v1', 'endpoints')!;
    if (!this.store.table(endpoints.groupResource).get(objectKey(namespace, name))) {
      this.create({ def: endpoints, apiVersion: 'v1', namespace, name }, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, ...(svc.metadata.labels ? { labels: { ...svc.metadata.labels } } : {}) } }, opts);
    }
    const slices = this.registry.lookup('discovery.k8s.io', 'v1', 'endpointslices')!;
    this.create(
      { def: slices, apiVersion: 'discovery.k8s.io/v1', namespace },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          generateName: `${name}-`,
          namespace,
          labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        addressType: 'IPv4',
        endpoints: [],
        ports,
      },
      opts,
    );
  }

  /** What the namespace controller deletes: every object in the namespace. */
  private removeNamespaceContents(namespace: string): void {
    for (const [gr, table] of this.store.allTables()) {
      if (gr === 'namespaces') continue;
      if (gr === 'services') {
        const [s, e] = table.namespaceRange(namespace);
        for (const k of table.keys().slice(s, e)) releaseService(table.get(k)!, this.alloc);
      }
      table.deleteNamespace(namespace);
    }
    syncVolumes(this.store); // its claims are gone: their volumes are Released
  }

  // ---- per-type rules ------------------------------------------------------------------

  private applyTypeRules(def: ServedResource, obj: Obj, old: StoredObject | undefined, dryRun: boolean): void {
    switch (def.groupResource) {
      case 'namespaces':
        defaultNamespace(obj);
        break;
      case 'services':
        // A dry run must not take IPs or ports: validate against a throwaway copy of the allocators.
        defaultService(obj, old, dryRun ? this.alloc.clone() : this.alloc);
        break;
      case 'deployments.apps':
        defaultDeployment(obj);
        break;
      case 'secrets':
        defaultSecret(obj);
        if (old) checkImmutable(obj, old, def.kind);
        break;
      case 'configmaps':
        checkConfigMap(obj);
        if (old) checkImmutable(obj, old, def.kind);
        break;
      case CRD_GROUP_RESOURCE:
        checkCrd(obj, (g) => this.registry.isBuiltinGroup(g));
        if (old) {
          for (const field of ['group', 'scope'] as const) {
            if (obj.spec[field] !== (old as Obj).spec[field]) throw errors.invalid('apiextensions.k8s.io', def.kind, obj.metadata.name, [{ field: `spec.${field}`, message: `Invalid value: "${obj.spec[field]}": field is immutable` }]);
          }
          obj.status = old.status;
        } else {
          obj.status = pendingStatus(obj);
        }
        break;
    }
  }

  // ---- CRD establishment ---------------------------------------------------------------

  private scheduleEstablish(crd: Obj): void {
    const name = crd.metadata.name;
    const uid = crd.metadata.uid;
    const timer = setTimeout(() => this.establish(name, uid), this.crdEstablishDelayMs);
    timer.unref();
    this.pendingCrds.set(name, timer);
  }

  private establish(name: string, uid: string): void {
    this.pendingCrds.delete(name);
    const table = this.store.table(CRD_GROUP_RESOURCE);
    const crd = table.get(name);
    if (!crd || crd.metadata.uid !== uid) return;
    const next = { ...crd, metadata: { ...crd.metadata, resourceVersion: this.store.nextResourceVersion() }, status: establishedStatus(crd) };
    table.put(name, next as StoredObject);
    this.registry.registerCustom(crdResources(next));
  }

  /** Establishes every pending CRD at once (seeding, where nothing waits in between). */
  establishPendingNow(): void {
    for (const [name, timer] of [...this.pendingCrds]) {
      clearTimeout(timer);
      const crd = this.store.table(CRD_GROUP_RESOURCE).get(name);
      if (crd) this.establish(name, crd.metadata.uid);
    }
  }

  dispose(): void {
    for (const timer of this.pendingCrds.values()) clearTimeout(timer);
    this.pendingCrds.clear();
    for (const timer of this.terminating.values()) clearTimeout(timer);
    this.terminating.clear();
  }
}

/** Continue tokens look like the apiserver's: base64 of {"v":"meta.k8s.io/v1","rv":…,"start":…}. */
function encodeContinue(rv: string, groupResource: string, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(rv), start: `${groupResource}|${lastKey}` })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed?.v !== 'meta.k8s.io/v1' || typeof parsed.start !== 'string') return undefined;
    return parsed;
  } catch {
    return undefined;
  }
}
