// The cluster adapter's data model. A group-resource is written the way Velero writes it:
// "configmaps" for the core group, "deployments.apps" otherwise.

import type { KubeObject } from '../api/kube-object.ts';

export type { KubeObject };

/** A served resource found by discovery, at the version it is read in (cluster/discovery.ts). */
export interface ApiResource {
  group: string; // "" for core
  version: string;
  resource: string; // plural, e.g. "deployments"
  kind: string;
  namespaced: boolean;
  verbs: string[];
  /** "deployments.apps" or "configmaps". */
  groupResource: string;
  /** Every version the server serves it in, the one read first. */
  servedVersions?: string[];
  /** Whether `version` is its group's preferred version (else the group's preferred does not serve it). */
  preferredVersion?: boolean;
  /** Discovery's singularName ("deployment"); empty or absent: the lower-cased kind stands in. */
  singularName?: string;
  /** Discovery's shortNames (["deploy"]). */
  shortNames?: string[];
}

/** One object collected for a backup, or read back for a restore. */
export interface Item {
  groupResource: string;
  namespace?: string;
  name: string;
  object: KubeObject;
}
