// Waiting for a restored CustomResourceDefinition to be Established before its custom
// resources are created: until then the API server does not serve them.
import type { ClusterClient } from '../cluster/client.ts';
import { CRDS } from '../cluster/selection.ts';
import type { KubeObject } from '../cluster/types.ts';
import type { ResourceResolver } from './resources.ts';

export interface WaitOptions {
  timeoutMs: number;
  /** First poll delay; doubles up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export function isEstablished(crd: KubeObject | undefined): boolean {
  const conditions = (crd?.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions;
  return (conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls the CRD (GET, backoff) until Established; throws with a clear message on timeout. */
export async function waitEstablished(client: ClusterClient, resolver: ResourceResolver, name: string, opts: WaitOptions): Promise<void> {
  const res = await resolver.find(CRDS);
  if (!res) throw new Error(`the cluster does not serve ${CRDS}, so CRD ${name} cannot be checked`);
  const deadline = Date.now() + opts.timeoutMs;
  let delay = opts.initialDelayMs ?? 20;
  for (;;) {
    const crd = await client.get(res, undefined, name);
    if (isEstablished(crd)) return;
    if (Date.now() >= deadline) {
      const why = crd ? 'it exists but its Established condition is not True' : 'it does not exist';
      throw new Error(`CustomResourceDefinition ${name} is not Established after ${Math.round(opts.timeoutMs / 1000)}s (${why})`);
    }
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    delay = Math.min(delay * 2, opts.maxDelayMs ?? 1000);
  }
}
