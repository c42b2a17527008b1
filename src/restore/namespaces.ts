// Namespaces a restore writes into that are being deleted. Kubernetes refuses every create
// inside a Terminating namespace (403 Forbidden, cause NamespaceTerminating) until the namespace
// controller has emptied it and it is gone; only then can it be created again. A restore that
// started meanwhile would fail item by item and leave a half-restored namespace that is deleted
// again. So before anything is written: wait for each such namespace to go (bounded, with
// progress in the log), or fail the whole restore naming it.
import type { Logger } from '../log.ts';
import type { ClusterClient, ResourceRef } from '../cluster/client.ts';
import type { KubeObject } from '../cluster/types.ts';
import { NAMESPACES } from '../cluster/selection.ts';
import { formatDuration } from '../schedule/duration.ts';
import { RestoreError } from './errors.ts';
import type { RestoreItem } from './types.ts';

export const NAMESPACE_REF: ResourceRef = { group: '', version: 'v1', resource: 'namespaces', namespaced: false, groupResource: NAMESPACES };

/** Default bound on the wait (RestoreRequest spec.namespaceTerminationTimeout). */
export const DEFAULT_NAMESPACE_WAIT_MS = 3 * 60_000;

export function isTerminating(ns: KubeObject | undefined): boolean {
  if (!ns) return false;
  return Boolean(ns.metadata.deletionTimestamp) || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating';
}

/** Every namespace the items are restored into, and the Namespace objects restored. */
export function targetNamespaces(items: readonly RestoreItem[]): string[] {
  const out = new Set<string>();
  for (const i of items) {
    if (i.namespace) out.add(i.namespace);
    if (i.groupResource === NAMESPACES) out.add(i.name);
  }
  return [...out].sort();
}

export interface NamespaceWaitOptions {
  client: ClusterClient;
  namespaces: readonly string[];
  timeoutMs: number;
  /** Between checks; default 1 s. */
  pollMs?: number;
  /** How often progress is logged; default 10 s. */
  progressMs?: number;
  logger: Logger;
  now?: () => number;
}

/**
 * Waits until none of `namespaces` is Terminating (each gone, or never was). Returns the ones it
 * waited for. Throws RestoreError('restore.namespace-terminating') when one is still there at
 * the deadline.
 */
export async function waitForTerminatingNamespaces(opts: NamespaceWaitOptions): Promise<string[]> {
  const now = opts.now ?? Date.now;
  const pollMs = opts.pollMs ?? 1000;
  const progressMs = opts.progressMs ?? 10_000;
  const start = now();
  let pending = await terminating(opts.client, opts.namespaces);
  const waited = [...pending];
  if (pending.length === 0) return waited;
  opts.logger.info({ namespaces: pending, timeout: formatDuration(opts.timeoutMs) }, 'waiting for namespaces being deleted to go before restoring into them');
  let lastLog = start;
  while (pending.length > 0) {
    const elapsed = now() - start;
    if (elapsed >= opts.timeoutMs) {
      const names = pending.map((n) => `namespace ${n} is still terminating`).join('; ');
      throw new RestoreError('restore.namespace-terminating', `${names} after ${formatDuration(opts.timeoutMs)} (namespaceTerminationTimeout); nothing was written. Retry once it is gone, or restore into another namespace with namespaceMapping`, {
        subject: pending[0],
      });
    }
    if (now() - lastLog >= progressMs) {
      lastLog = now();
      opts.logger.info({ namespaces: pending, elapsed: formatDuration(Math.round(elapsed / 1000) * 1000), timeout: formatDuration(opts.timeoutMs) }, 'still waiting for namespaces to finish terminating');
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(1, opts.timeoutMs - elapsed))));
    pending = await terminating(opts.client, pending);
  }
  opts.logger.info({ namespaces: waited, waited: formatDuration(Math.round((now() - start) / 1000) * 1000) }, 'namespaces finished terminating');
  return waited;
}

async function terminating(client: ClusterClient, namespaces: readonly string[]): Promise<string[]> {
  const live = await Promise.all(namespaces.map(async (n) => [n, await client.get(NAMESPACE_REF, undefined, n)] as const));
  return live.filter(([, ns]) => isTerminating(ns)).map(([n]) => n);
}
