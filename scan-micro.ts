import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { scanList } from './src/cluster/list-scan.ts';
const body = readFileSync('/tmp/scanb/page.json');
const opts = { labels: { containing: 'exclude-from-backup' } };
for (let i = 0; i < 200; i++) scanList(body, opts);
const times: number[] = [];
for (let r = 0; r < 15; r++) { const t = performance.now(); for (let i = 0; i < 50; i++) scanList(body, opts); times.push((performance.now() - t) / 50); }
times.sort((a, b) => a - b);
const t2: number[] = [];
for (let r = 0; r < 15; r++) { const t = performance.now(); for (let i = 0; i < 50; i++) JSON.parse(body.toString('utf8')); t2.push((performance.now() - t) / 50); }
t2.sort((a, b) => a - b);
console.log(`scan ${times[7].toFixed(3)} ms/page (${(times[7] * 1e6 / body.length).toFixed(2)} ns/byte); JSON.parse ${t2[7].toFixed(3)} ms/page`);
