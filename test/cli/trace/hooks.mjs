// Module-resolution hook (runs on Node's loader thread): appends every resolved URL to a file,
// so a test can see which modules a cairn command loaded.
import { appendFileSync } from 'node:fs';

let file;

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(file, `${result.url}\n`);
  return result;
}
