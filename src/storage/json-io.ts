// Reading and writing the small JSON artifacts (plain or gzipped) through an ObjectStore.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { ObjectStore } from './object-store.ts';
import { StorageError } from './errors.ts';
import { parseExact, stringifyExact } from '../exact-json.ts';

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function parseJson<T>(buf: Buffer, key: string): T {
  try {
    return parseExact(buf.toString('utf8')) as T;
  } catch (err) {
    throw new StorageError('storage.integrity', `object ${key} is not valid JSON: ${(err as Error).message}`, { key });
  }
}

export async function readJson<T>(store: ObjectStore, key: string): Promise<T> {
  return parseJson<T>(await readAll(await store.get(key)), key);
}

export async function readGzipJson<T>(store: ObjectStore, key: string): Promise<T> {
  const raw = await readAll(await store.get(key));
  let plain: Buffer;
  try {
    plain = gunzipSync(raw);
  } catch (err) {
    throw new StorageError('storage.integrity', `object ${key} is not valid gzip: ${(err as Error).message}`, { key });
  }
  return parseJson<T>(plain, key);
}

export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(`${stringifyExact(value, 2)}\n`, 'utf8');
}

export function gzipJsonBytes(value: unknown): Buffer {
  return gzipSync(Buffer.from(stringifyExact(value), 'utf8'));
}

/** JSON lines, gzipped: the backup log. */
export function gzipJsonLines(lines: object[]): Buffer {
  return gzipSync(Buffer.from(lines.map((l) => `${stringifyExact(l)}\n`).join(''), 'utf8'));
}

export function parseJsonLines(buf: Buffer, key: string): object[] {
  const text = gunzipSync(buf).toString('utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return parseExact(l) as object;
      } catch {
        throw new StorageError('storage.integrity', `object ${key} line ${i + 1} is not valid JSON`, { key });
      }
    });
}
