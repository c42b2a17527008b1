// Metrics label failures by the reason of their error code (src/errors.ts), never by message.
import { describe, expect, it } from 'vitest';
import { EngineMetrics } from '../../src/server/metrics.ts';
import { StorageError } from '../../src/storage/errors.ts';
import type { TickResult } from '../../src/engine/engine.ts';

describe('EngineMetrics', () => {
  it('counts failed actions and failed ticks by reason', async () => {
    const m = new EngineMetrics();
    const failed = {
      action: { type: 'backup', policy: 'kcm', location: 'primary', backupName: 'kcm-1', reason: 'due' },
      outcome: 'Failed',
      at: '2026-11-21T00:00:00Z',
      message: 'cannot reach the API server',
      code: 'cluster.network',
      reason: 'ClusterUnavailable',
    };
    m.recordTick({ revision: 'r', sourceRevision: 'r', plan: { errors: [] }, results: [failed], changedFiles: [], unobserved: {}, durationMs: 5 } as unknown as TickResult);
    m.recordError(new StorageError('storage.lock-held', 'held by engine-b', { location: 'primary' }));
    const text = await m.registry.metrics();
    expect(text).toMatch(/^cairn_action_failures_total\{type="backup",reason="ClusterUnavailable"\} 1$/m);
    expect(text).toMatch(/^cairn_tick_errors_total\{reason="LockHeld"\} 1$/m);
  });
});
