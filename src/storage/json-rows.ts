// Streams the elements of a top-level JSON array (index.json.gz) one at a time, so a reader
// holds one row, never the whole index. Elements are located by tracking string and nesting
// state, then each is parsed with JSON.parse; a single element larger than `maxRowBytes` is an
// error rather than an unbounded buffer.
import { StringDecoder } from 'node:string_decoder';
import { StorageError } from './errors.ts';

export const MAX_ROW_BYTES = 1024 * 1024;

export async function* jsonArrayRows<T>(source: AsyncIterable<Buffer | string>, key: string, maxRowBytes = MAX_ROW_BYTES): AsyncGenerator<T> {
  const bad = (why: string) => new StorageError('storage.integrity', `object ${key} is not a JSON array of rows: ${why}`, { key });
  let state: 'before' | 'between' | 'after' = 'before';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let row = '';
  const decoder = new StringDecoder('utf8'); // a character split across chunks stays whole
  for await (const chunk of source) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = depth > 0 ? 0 : -1; // where the current row's text begins in this chunk
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (depth > 0) {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === '\\') escaped = true;
          else if (c === '"') inString = false;
          continue;
        }
        if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          depth--;
          if (depth === 0) {
            row += text.slice(start, i + 1);
            start = -1;
            let value: T;
            try {
              value = JSON.parse(row) as T;
            } catch (err) {
              throw bad((err as Error).message);
            }
            row = '';
            yield value;
          }
        }
        continue;
      }
      if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
      if (state === 'before') {
        if (c !== '[') throw bad('it does not start with [');
        state = 'between';
      } else if (state === 'between') {
        if (c === ']') state = 'after';
        else if (c === ',') continue;
        else if (c === '{') {
          depth = 1;
          start = i;
        } else throw bad(`unexpected ${JSON.stringify(c)} between rows`);
      } else throw bad('text after the closing ]');
    }
    if (depth > 0) {
      row += text.slice(start);
      if (row.length > maxRowBytes) throw bad(`a row is longer than ${maxRowBytes} bytes`);
    }
  }
  if (state !== 'after' || depth > 0) throw bad('it ends before its closing ]');
}
