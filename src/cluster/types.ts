// The cluster adapter's data model. A group-resource is written the way Velero writes it:
// "configmaps" for the core group, "deployments.apps" otherwise.

import type { KubeObject } from '../api/kube-object.ts';

export type { KubeObject };

/** A served resource found by discovery (preferred version). */
export interface ApiResource {
  group: string; // "" for core
  version: string;
  resource: string; // plural, e.g. "deployments"
  kind: string;
  namespaced: boolean;
  verbs: string[];
  /** "deployments.apps" or "configmaps". */
  groupResource: string;
}

/** One object collected for a backup, or read back for a restore. */
export interface Item {
  groupResource: string;
  namespace?: string;
  name: string;
  object: KubeObject;
}
