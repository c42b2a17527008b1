// The status page's files, served from the package (no CDN: it works offline). Read once, kept.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

const loaded = new Map<string, Buffer>();

export interface PageAsset {
  body: Buffer;
  type: string;
}

/** The page file served at `path`, or undefined when `path` is not one. */
export function pageAsset(path: string): PageAsset | undefined {
  const entry = FILES[path];
  if (!entry) return undefined;
  let body = loaded.get(entry.file);
  if (!body) {
    body = readFileSync(fileURLToPath(new URL(`./page/${entry.file}`, import.meta.url)));
    loaded.set(entry.file, body);
  }
  return { body, type: entry.type };
}
