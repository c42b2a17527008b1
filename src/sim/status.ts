// Errors as the apiserver returns them: a `Status` object whose code, reason and details match
// what a real cluster sends, so clients (and cairn's adapter) handle both the same way.

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message: string; field?: string }[];
  retryAfterSeconds?: number;
}

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Forbidden'
  | 'Unauthorized'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Gone'
  | 'Expired'
  | 'RequestEntityTooLarge';

/** A failed request; `toStatus()` is the body the simulator answers with. */
export class ApiStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiStatusError';
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** What the apiserver names a resource in messages: `configmaps` or `deployments.apps`. */
function qualified(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const errors = {
  notFound(group: string, resource: string, name: string): ApiStatusError {
    return new ApiStatusError(404, 'NotFound', `${qualified(group, resource)} "${name}" not found`, {
      name,
      ...(group ? { group } : {}),
      kind: resource,
    });
  },
  /**
   * A create in a namespace that is being deleted: the NamespaceLifecycle admission plugin
   * answers 403 Forbidden with a NamespaceTerminating cause
   * (k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle/admission.go; the cause type is
   * v1.NamespaceTerminatingCause).
   */
  namespaceTerminating(group: string, resource: string, name: string, namespace: string): ApiStatusError {
    return new ApiStatusError(403, 'Forbidden', `${qualified(group, resource)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, {
      name,
      ...(group ? { group } : {}),
      kind: resource,
      causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
    });
  },
  namespaceNotFound(namespace: string): ApiStatusError {
    return new ApiStatusError(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
  },
  pathNotFound(path: string): ApiStatusError {
    return new ApiStatusError(404, 'NotFound', `the server could not find the requested resource (${path})`, {});
  },
  alreadyExists(group: string, resource: string, name: string): ApiStatusError {
    return new ApiStatusError(409, 'AlreadyExists', `${qualified(group, resource)} "${name}" already exists`, {
      name,
      ...(group ? { group } : {}),
      kind: resource,
    });
  },
  conflict(group: string, resource: string, name: string): ApiStatusError {
    return new ApiStatusError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(group, resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, ...(group ? { group } : {}), kind: resource },
    );
  },
  invalid(group: string, kind: string, name: string, causes: { field: string; message: string; reason?: string }[]): ApiStatusError {
    const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
    return new ApiStatusError(422, 'Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${summary}`, {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
    });
  },
  badRequest(message: string): ApiStatusError {
    return new ApiStatusError(400, 'BadRequest', message);
  },
  forbidden(verb: string, group: string, resource: string, namespace?: string): ApiStatusError {
    const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
    return new ApiStatusError(
      403,
      'Forbidden',
      `${qualified(group, resource)} is forbidden: User "system:serviceaccount:cairn:cairn" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}`,
      { ...(group ? { group } : {}), kind: resource },
    );
  },
  unauthorized(): ApiStatusError {
    return new ApiStatusError(401, 'Unauthorized', 'Unauthorized');
  },
  methodNotAllowed(message: string): ApiStatusError {
    return new ApiStatusError(405, 'MethodNotAllowed', message);
  },
  unsupportedMediaType(contentType: string, supported: string[]): ApiStatusError {
    return new ApiStatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${supported.join(', ')} (got "${contentType}")`,
    );
  },
  injected(code: 429 | 500 | 503): ApiStatusError {
    if (code === 429) {
      return new ApiStatusError(429, 'TooManyRequests', 'The server has received too many requests and has asked us to try again later', { retryAfterSeconds: 1 }, { 'Retry-After': '1' });
    }
    if (code === 503) {
      return new ApiStatusError(503, 'ServiceUnavailable', 'The server is currently unable to handle the request', { retryAfterSeconds: 1 }, { 'Retry-After': '1' });
    }
    return new ApiStatusError(500, 'InternalError', 'Internal error occurred: injected fault (simulator faults.failNext)', {
      causes: [{ message: 'injected fault' }],
    });
  },
};
