import { PolicyRepo } from './src/git/repo.ts';
const proto = PolicyRepo.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
const acc: Record<string, number[]> = {};
for (const m of ['fetch', 'originHead', 'recoverIndexLock', 'refreshEnv', 'sync']) {
  const orig = proto[m];
  proto[m] = async function (this: unknown, ...a: unknown[]) { const t = performance.now(); try { return await orig.apply(this, a); } finally { (acc[m] ??= []).push(performance.now() - t); } };
}
process.on('exit', () => { for (const [k, v] of Object.entries(acc)) { const s = v.slice(-12).sort((a, b) => a - b); console.log(k, 'median of last 12', s[6]?.toFixed(1), 'n', v.length); } console.log('rss MiB', (process.memoryUsage().rss / 1048576).toFixed(0)); });
await import('./bench/tick.bench.ts');
