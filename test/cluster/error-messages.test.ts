// Issue 16, misleading messages: every API error says what failed (verb, resource, object),
// where (the Status the server sent), and what to do; a 403 for a terminating namespace is not
// reported as missing RBAC.
import { describe, expect, it } from 'vitest';
import { errorFromStatus } from '../../src/cluster/errors.ts';

const target = { verb: 'create', resource: 'configmaps', namespace: 'team-a', name: 'web' } as const;

describe('errorFromStatus', () => {
  it.each([
    [401, { reason: 'Unauthorized' }, 'cluster.unauthorized', /unauthorized \(401\).*refresh the kubeconfig user's credentials/],
    [403, { reason: 'Forbidden', message: 'denied' }, 'cluster.forbidden', /forbidden \(403\), grant the "create" verb on "configmaps": denied/],
    [404, { reason: 'NotFound' }, 'cluster.notFound', /NotFound \(404\); check the name and namespace/],
    [410, { reason: 'Expired' }, 'cluster.expired', /Expired \(410\); a list took longer than the server keeps its continue token/],
    [422, { reason: 'Invalid', message: 'spec.x: Required value' }, 'cluster.invalid', /Invalid \(422\): spec\.x: Required value; the server refused the object/],
    [503, { reason: 'ServiceUnavailable' }, 'cluster.unavailable', /\(503\); the API server is overloaded or down/],
  ])('%i → %s, saying what to do', (status, body, code, message) => {
    const err = errorFromStatus(status, body, target);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(/^cannot create configmaps "web" in namespace "team-a": /);
    expect(err.message).toMatch(message);
  });

  it('a 403 with cause NamespaceTerminating names the namespace, not RBAC', () => {
    const err = errorFromStatus(403, { reason: 'Forbidden', details: { causes: [{ reason: 'NamespaceTerminating' }] } }, target);
    expect(err.code).toBe('cluster.namespaceTerminating');
    expect(err.message).toContain('namespace "team-a" is being terminated');
    expect(err.message).not.toContain('grant');
  });
});
