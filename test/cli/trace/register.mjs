// `node --import ./register.mjs bin/cairn.js …` with CAIRN_TEST_MODULE_TRACE=<file>: records every
// module URL the process resolves (ESM, through hooks.mjs) and, at exit, every CommonJS module
// in require's cache, one per line in <file>.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.CAIRN_TEST_MODULE_TRACE;
if (file) {
  register('./hooks.mjs', import.meta.url, { data: { file } });
  const require = createRequire(import.meta.url);
  process.on('exit', () => {
    appendFileSync(file, Object.keys(require.cache).map((p) => `file://${p}\n`).join(''));
  });
}
