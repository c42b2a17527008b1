// Helpers shared by the api tests: temporary policy repositories on disk and the real CLI.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'cairn.js');

/** Writes `files` (repo-relative path → content) into a fresh temporary directory. */
export function writeRepo(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-api-'));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/cairn.js <args>` in `cwd`, as a user would. */
export function cairn(args: string[], cwd: string = ROOT): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const API = 'apiVersion: cairn.dev/v1alpha1';

/** A valid default location, so policies without `location` resolve. */
export const BASE: Record<string, string> = {
  'locations/base.yaml': `${API}
kind: BackupLocation
metadata: {name: base}
spec:
  default: true
  provider: filesystem
  filesystem: {path: backups}
`,
};

export function policy(name: string, spec: string): string {
  return `${API}\nkind: BackupPolicy\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}
export function location(name: string, spec: string): string {
  return `${API}\nkind: BackupLocation\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}
export function cluster(name: string, spec: string): string {
  return `${API}\nkind: Cluster\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}
export function restore(name: string, spec: string): string {
  return `${API}\nkind: RestoreRequest\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}
export function modifiers(name: string, spec: string): string {
  return `${API}\nkind: ResourceModifiers\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}
