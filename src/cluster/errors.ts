// Errors from the cluster adapter: a value with a code, the HTTP status and the Kubernetes
// Status reason, and a message naming the verb and resource so a user knows what to grant.

export type ClusterErrorCode =
  | 'cluster.config' // kubeconfig missing/invalid, unknown context
  | 'cluster.unauthorized' // 401: credentials rejected
  | 'cluster.forbidden' // 403: RBAC denies the verb on the resource
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
  details?: unknown;
}

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
    readonly info: { status?: number; reason?: string; verb?: string; resource?: string; namespace?: string; objectName?: string } = {},
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

export function errorFromStatus(status: number, body: KubeStatus | undefined, target: RequestTarget): ClusterError {
  let code: ClusterErrorCode = BY_STATUS[status] ?? (status === 429 || status >= 500 ? 'cluster.unavailable' : 'cluster.http');
  if (status === 409) code = body?.reason === 'AlreadyExists' ? 'cluster.alreadyExists' : 'cluster.conflict';
  const what = describeTarget(target);
  const detail = body?.message ? `: ${body.message}` : '';
  let message: string;
  if (status === 401) message = `cannot ${what}: unauthorized (401), the cluster rejected the credentials${detail}`;
  else if (status === 403) message = `cannot ${what}: forbidden (403), grant the "${target.verb}" verb on "${target.resource}"${detail}`;
  else message = `cannot ${what}: ${body?.reason ?? 'HTTP'} (${status})${detail}`;
  return new ClusterError(code, message, {
    status,
    reason: body?.reason,
    verb: target.verb,
    resource: target.resource,
    namespace: target.namespace,
    objectName: target.name,
  });
}
