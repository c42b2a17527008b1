#!/usr/bin/env node
// `npm run test:cluster`: the backup → delete → restore round-trip scenarios
// (test/roundtrip/roundtrip.test.ts) against the cluster KUBECONFIG names — kind, k3d, minikube
// or a real one. They create objects only in their own namespaces (cairn-rt-<random>-*) and one
// CRD of a unique group, and delete them afterwards. Without KUBECONFIG there is nothing to run
// against: one clear skip line, exit 0. (`npm test` runs the same scenarios against the
// simulator.)
import { spawnSync } from 'node:child_process';

const kubeconfig = process.env.KUBECONFIG;
if (!kubeconfig) {
  console.log('test:cluster: skipped: KUBECONFIG is not set (point it at a disposable cluster, e.g. `kind create cluster`; `npm test` runs these scenarios against the simulator)');
  process.exit(0);
}
const context = process.env.CAIRN_TEST_CONTEXT ? ` (context ${process.env.CAIRN_TEST_CONTEXT})` : '';
console.log(`test:cluster: round-trip scenarios against ${kubeconfig}${context}`);
const run = spawnSync('npx', ['vitest', 'run', 'test/roundtrip/', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, CAIRN_ROUNDTRIP_KUBECONFIG: kubeconfig },
});
process.exit(run.status ?? 1);
