// coordination.k8s.io/v1 Lease: the rules the apiserver applies on top of the generic store, so a
// leader-election loop tested here meets the same answers as on a real cluster.
//
// - An update (PUT) must carry metadata.resourceVersion: the Lease strategy refuses unconditional
//   updates (pkg/registry/coordination/lease/strategy.go, AllowUnconditionalUpdate() == false), and
//   the generic store answers 422 "metadata.resourceVersion: Invalid value: 0x0: must be specified
//   for an update" (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go, Update).
//   A stale resourceVersion is the usual 409 Conflict (the store's optimistic concurrency), which is
//   what makes two candidates racing for one Lease safe: exactly one PUT wins.
// - spec is validated as pkg/apis/coordination/validation/validation.go ValidateLeaseSpec does:
//   leaseDurationSeconds > 0, leaseTransitions >= 0, preferredHolder only with a strategy.
// - acquireTime and renewTime are metav1.MicroTime (RFC3339 with microseconds); a value that does
//   not parse fails decoding, which the apiserver reports as 400 BadRequest.
import { errors } from './status.ts';

type Obj = Record<string, any>;

export const LEASE_GROUP_RESOURCE = 'leases.coordination.k8s.io';

/** RFC3339 with an optional fraction, as Go's time.Parse(RFC3339Nano) accepts for MicroTime. */
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Refuses a PUT without resourceVersion on types that do not allow unconditional updates. */
export function checkConditionalUpdate(groupResource: string, obj: Obj): void {
  if (groupResource !== LEASE_GROUP_RESOURCE) return;
  const rv = obj.metadata?.resourceVersion;
  if (rv === undefined || rv === '') {
    throw errors.invalid('coordination.k8s.io', 'leases', obj.metadata?.name ?? '', [
      { field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' },
    ]);
  }
}

/** ValidateLeaseSpec, and MicroTime decoding of the two timestamps. */
export function checkLease(obj: Obj): void {
  const spec: Obj = obj.spec ?? {};
  const name = obj.metadata?.name ?? '';
  for (const field of ['acquireTime', 'renewTime']) {
    const v = spec[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || !MICRO_TIME.test(v) || Number.isNaN(Date.parse(v))) {
      throw errors.badRequest(`Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05.999999Z07:00": cannot parse (spec.${field})`);
    }
  }
  const causes: { field: string; message: string; reason?: string }[] = [];
  const intField = (field: string, min: number, text: string) => {
    const v = spec[field];
    if (v === undefined || v === null) return;
    if (!Number.isInteger(v)) throw errors.badRequest(`Lease in version "v1" cannot be handled as a Lease: spec.${field}: expected an int32, got ${JSON.stringify(v)}`);
    if (v < min) causes.push({ field: `spec.${field}`, message: `Invalid value: ${v}: ${text}` });
  };
  intField('leaseDurationSeconds', 1, 'must be greater than 0');
  intField('leaseTransitions', 0, 'must be greater than or equal to 0');
  if (spec.holderIdentity !== undefined && spec.holderIdentity !== null && typeof spec.holderIdentity !== 'string') {
    throw errors.badRequest('Lease in version "v1" cannot be handled as a Lease: spec.holderIdentity: expected a string');
  }
  if (spec.preferredHolder && !spec.strategy) {
    causes.push({ field: 'spec.preferredHolder', message: 'Forbidden: may only be specified if `strategy` is defined', reason: 'FieldValueForbidden' });
  }
  if (causes.length) throw errors.invalid('coordination.k8s.io', 'Lease', name, causes);
}
