#!/usr/bin/env node
// The test command (README: `npm test`). Makes sure the real servers the tests start are
// installed (Ceph's radosgw from Debian's packages), runs vitest, and ends with the plain
// summary line CI reads: `tests: N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// chromium: the status page's browser test (test/server/page.test.ts), driven by playwright-core.
// etcd-server and etcd-client (etcd 3.4) and openssl (test certificates): the etcd tests.
const CEPH_PACKAGES = ['ceph-mon', 'ceph-osd', 'radosgw', 'chromium', 'etcd-server', 'etcd-client', 'openssl'];
const APT_LINE = `apt-get install -y --no-install-recommends ${CEPH_PACKAGES.join(' ')}`;

function have(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

function ensureCeph() {
  if (have('radosgw') && have('ceph-mon') && have('ceph-osd') && existsSync('/usr/bin/chromium') && have('etcd') && have('etcdctl') && have('openssl')) return;
  if (process.getuid?.() !== 0) {
    console.error(`The S3 and etcd tests need Ceph's radosgw and etcd. Install them as root, then run the tests again:\n  ${APT_LINE}`);
    console.log('tests: 0 passed, 1 failed');
    process.exit(1);
  }
  console.error(`installing ${CEPH_PACKAGES.join(', ')} from Debian's packages ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('sh', ['-c', APT_LINE], { stdio: 'inherit', env });
  if (r.status !== 0) {
    spawnSync('sh', ['-c', 'apt-get update'], { stdio: 'inherit', env });
    r = spawnSync('sh', ['-c', APT_LINE], { stdio: 'inherit', env });
  }
  if (r.status !== 0) {
    console.error(`could not install Ceph; run as root:\n  ${APT_LINE}`);
    console.log('tests: 0 passed, 1 failed');
    process.exit(1);
  }
}

ensureCeph();
const out = join(mkdtempSync(join(tmpdir(), 'cairn-tests-')), 'results.json');
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)];
const run = spawnSync('npx', args, { stdio: 'inherit' });

let passed = 0;
let failed = 0;
if (existsSync(out)) {
  const report = JSON.parse(readFileSync(out, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  // A suite that failed to load reports no tests; count it as a failure so it can't pass silently.
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1;
  }
} else {
  failed = 1;
}
if (run.status !== 0 && failed === 0) failed = 1;
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || run.status !== 0 ? 1 : 0);
