// Errors from the cluster adapter: a value with a code, the HTTP status and the Kubernetes
// Status reason, and a message naming the verb and resource so a user knows what to grant.
// The code comes from the Status body first (reason, then causes), the HTTP status only when
// the body says nothing more: a 403 is RBAC only when no cause says otherwise (a namespace
// being deleted answers 403 Forbidden with a NamespaceTerminating cause).

export type ClusterErrorCode =
  | 'cluster.config' // kubeconfig missing/invalid, unknown context
  | 'cluster.unauthorized' // 401: credentials rejected
  | 'cluster.forbidden' // 403: RBAC denies the verb on the resource
  | 'cluster.namespaceTerminating' // 403 with cause NamespaceTerminating: the namespace is being deleted
  | 'cluster.notFound' // 404
  | 'cluster.alreadyExists' // 409 AlreadyExists
  | 'cluster.conflict' // 409 Conflict (stale resourceVersion)
  | 'cluster.invalid' // 422
  | 'cluster.expired' // 410: a list's continue token expired
  | 'cluster.unavailable' // 429 / 5xx after every retry
  | 'cluster.network' // connection failed after every retry
  | 'cluster.http'; // any other status

/** A Kubernetes `Status` object, as returned with every API error. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; causes?: StatusCause[] } & Record<string, unknown>;
}

/** metav1.StatusCause: `reason` is its CauseType ("NamespaceTerminating", "FieldValueInvalid", ...). */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
    readonly info: { status?: number; reason?: string; causes?: StatusCause[]; verb?: string; resource?: string; namespace?: string; objectName?: string } = {},
  ) {
    super(message);
  }
}

const BY_STATUS: Record<number, ClusterErrorCode> = {
  401: 'cluster.unauthorized',
  403: 'cluster.forbidden',
  404: 'cluster.notFound',
  410: 'cluster.expired',
  422: 'cluster.invalid',
};

/** What a request was doing, for error messages: "list secrets in namespace team-a". */
export interface RequestTarget {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
}

export function describeTarget(t: RequestTarget): string {
  let s = `${t.verb} ${t.resource}`;
  if (t.name) s += ` "${t.name}"`;
  if (t.namespace) s += ` in namespace "${t.namespace}"`;
  return s;
}

/** metav1.StatusReason → code, where the reason alone decides (apimachinery/pkg/api/errors). */
const BY_REASON: Record<string, ClusterErrorCode> = {
  Unauthorized: 'cluster.unauthorized',
  NotFound: 'cluster.notFound',
  AlreadyExists: 'cluster.alreadyExists',
  Conflict: 'cluster.conflict',
  Invalid: 'cluster.invalid',
  Expired: 'cluster.expired',
  Gone: 'cluster.expired',
  TooManyRequests: 'cluster.unavailable',
  ServiceUnavailable: 'cluster.unavailable',
};

/** What to do about an API error, by code: every message says what failed, where, and this. */
const ADVICE: Partial<Record<ClusterErrorCode, string>> = {
  'cluster.unauthorized': "refresh the kubeconfig user's credentials (token, client certificate, exec plugin)",
  'cluster.notFound': 'check the name and namespace, and that the cluster serves this resource',
  'cluster.conflict': 'the object changed meanwhile; the next tick works from its new version',
  'cluster.invalid': 'the server refused the object as written; see the fields named above',
  'cluster.expired': 'a list took longer than the server keeps its continue token; lower the list page size or the cluster load, and try again',
  'cluster.unavailable': 'the API server is overloaded or down after every retry; check its health and try again',
  'cluster.http': 'check that the kubeconfig points at a Kubernetes API server',
};

function withAdvice(code: ClusterErrorCode, message: string): string {
  const advice = ADVICE[code];
  return advice ? `${message}; ${advice}` : message;
}

function causesOf(body: KubeStatus | undefined): StatusCause[] {
  const causes = body?.details?.causes;
  return Array.isArray(causes) ? causes : [];
}

export function errorFromStatus(status: number, body: KubeStatus | undefined, target: RequestTarget): ClusterError {
  const causes = causesOf(body);
  let code: ClusterErrorCode = BY_STATUS[status] ?? (status === 429 || status >= 500 ? 'cluster.unavailable' : 'cluster.http');
  if (status === 409) code = body?.reason === 'AlreadyExists' ? 'cluster.alreadyExists' : 'cluster.conflict';
  else if (body?.reason && BY_REASON[body.reason] && status < 500) code = BY_REASON[body.reason];
  const terminating = causes.find((c) => c.reason === 'NamespaceTerminating');
  if (status === 403 && terminating) code = 'cluster.namespaceTerminating';
  const what = describeTarget(target);
  const detail = body?.message ? `: ${body.message}` : '';
  let message: string;
  if (code === 'cluster.namespaceTerminating') message = `cannot ${what}: namespace "${target.namespace ?? '?'}" is being terminated (403 Forbidden, cause NamespaceTerminating)`;
  else if (status === 401) message = withAdvice('cluster.unauthorized', `cannot ${what}: unauthorized (401), the cluster rejected the credentials${detail}`);
  else if (code === 'cluster.forbidden') message = `cannot ${what}: forbidden (403), grant the "${target.verb}" verb on "${target.resource}"${detail}`;
  else message = withAdvice(code, `cannot ${what}: ${body?.reason ?? 'HTTP'} (${status})${detail}`);
  return new ClusterError(code, message, {
    status,
    reason: body?.reason,
    ...(causes.length ? { causes } : {}),
    verb: target.verb,
    resource: target.resource,
    namespace: target.namespace,
    objectName: target.name,
  });
}
