// The backup format version guard. A manifest records the format it was written in
// (FORMAT_VERSION); an engine refuses to verify or restore a backup written in a newer format
// than it understands, rather than misread it (MKE refuses restores across versions too). Pure.
import { FORMAT_VERSION } from './layout.ts';
import type { BackupManifest } from './types.ts';

/** Why this engine cannot read the backup, or undefined when it can. */
export function unsupportedFormat(manifest: Pick<BackupManifest, 'name' | 'formatVersion' | 'engineVersion'>): string | undefined {
  const v = manifest.formatVersion;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    return `backup ${manifest.name} has no valid formatVersion in manifest.json (${JSON.stringify(v)}); this engine reads format ${FORMAT_VERSION}`;
  }
  if (v > FORMAT_VERSION) {
    return `backup ${manifest.name} is in format ${v} (written by cairn ${manifest.engineVersion ?? 'unknown'}); this engine reads format ${FORMAT_VERSION} at most: upgrade cairn to use it`;
  }
  return undefined;
}

/** "1", or "2 (newer than this engine's 1)" for describe. */
export function describeFormat(manifest: Pick<BackupManifest, 'formatVersion'>): string {
  const v = manifest.formatVersion;
  return typeof v === 'number' && v > FORMAT_VERSION ? `${v} (newer than this engine's ${FORMAT_VERSION}: cannot be verified or restored)` : String(v);
}
