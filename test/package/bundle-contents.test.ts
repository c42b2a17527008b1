// Issue 17: what the shipped bundle holds of @kubernetes/client-node. cairn uses KubeConfig only;
// scripts/bundle.mjs keeps config.js's imports for makeApiClient (the generated API client and its
// models) and for applyToFetchOptions (node-fetch, with whatwg-url and tr46) out of dist/, which
// cost `cairn run` ~9 MiB (BENCHMARKS.md, start-up). That the bundled KubeConfig still connects is
// shown by every test that runs bin/cairn.js against the simulator (test/demo, test/ha).
// The tests' global setup has built dist/ from the current sources.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

describe('dist/ bundle contents', () => {
  it('holds client-node with KubeConfig but without its generated client, node-fetch, whatwg-url or tr46', () => {
    const contents = JSON.parse(readFileSync(join(ROOT, 'dist', 'bundle-contents.json'), 'utf8')) as Record<string, string[]>;
    const withKube = Object.entries(contents).filter(([, pkgs]) => pkgs.includes('@kubernetes/client-node'));
    expect(withKube.length).toBe(1);
    const all = new Set(Object.values(contents).flat());
    for (const p of ['node-fetch', 'whatwg-url', 'tr46']) expect(all.has(p), `${p} is in dist/`).toBe(false);
    const chunk = readFileSync(join(ROOT, 'dist', withKube[0][0]), 'utf8');
    expect(chunk).toContain('loadFromString');
    expect(chunk).not.toContain('getAttributeTypeMap'); // what every generated model class defines
    expect(chunk).toContain("generated API client (makeApiClient) is not part of cairn's bundle");
  });
});
