// A Kubernetes object as every room handles it: the modifiers patch it, the cluster adapter
// reads and writes it, the archive stores it. Defined in the core so that none of them depends
// on another's types for it.

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}
