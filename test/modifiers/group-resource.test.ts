import { describe, expect, it } from 'vitest';
import { groupResourceOf } from '../../src/modifiers/group-resource.ts';

describe('groupResourceOf (Velero names items "resource.group")', () => {
  it('core kinds have no group; irregular plurals follow Kubernetes', () => {
    expect(groupResourceOf('v1', 'ConfigMap')).toBe('configmaps');
    expect(groupResourceOf('v1', 'Endpoints')).toBe('endpoints');
    expect(groupResourceOf('apps/v1', 'Deployment')).toBe('deployments.apps');
    expect(groupResourceOf('networking.k8s.io/v1', 'Ingress')).toBe('ingresses.networking.k8s.io');
    expect(groupResourceOf('networking.k8s.io/v1', 'NetworkPolicy')).toBe('networkpolicies.networking.k8s.io');
    expect(groupResourceOf('storage.k8s.io/v1', 'StorageClass')).toBe('storageclasses.storage.k8s.io');
    expect(groupResourceOf('gateway.networking.k8s.io/v1', 'Gateway')).toBe('gateways.gateway.networking.k8s.io');
    expect(groupResourceOf('k0rdent.mirantis.com/v1beta1', 'Management')).toBe('managements.k0rdent.mirantis.com');
  });
});
