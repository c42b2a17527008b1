// Reading and writing the small JSON artifacts (plain or gzipped) through an ObjectStore.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { ObjectStore } from './object-store.ts';
import { StorageError } from './errors.ts';
import { parseExact, stringifyExact } from '../exact-json.ts';

/**
 * Caps on what cairn reads into memory from storage: a hostile or corrupt object is an error
 * past the cap, never an unbounded buffer. Small JSON (manifests, locks, expiry marks) is a few
 * KiB; an index, a log or a restore result of a very large backup stays well under the others.
 */
export const MAX_SMALL_JSON_BYTES = 4 * 1024 * 1024;
export const MAX_OBJECT_BYTES = 256 * 1024 * 1024;
export const MAX_GUNZIPPED_BYTES = 1024 * 1024 * 1024;

/** The whole object, at most `max` bytes; StorageError past the cap (naming `key`). */
export async function readAll(stream: Readable, key = 'object', max = MAX_OBJECT_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += (c as Buffer).length;
    if (size > max) {
      stream.destroy();
      throw new StorageError('storage.too-large', `${key} is larger than ${max} bytes, the most cairn reads into memory for it; the object is corrupt or was not written by cairn`, { key });
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export function parseJson<T>(buf: Buffer, key: string): T {
  try {
    return parseExact(buf.toString('utf8')) as T;
  } catch (err) {
    throw new StorageError('storage.integrity', `object ${key} is not valid JSON: ${(err as Error).message}`, { key });
  }
}

/** A small JSON object (manifest, lock, expiry mark), capped at MAX_SMALL_JSON_BYTES. */
export async function readJson<T>(store: ObjectStore, key: string): Promise<T> {
  return parseJson<T>(await readAll(await store.get(key), key, MAX_SMALL_JSON_BYTES), key);
}

/** Gunzips at most MAX_GUNZIPPED_BYTES (a gzip bomb is an error, not an out-of-memory). */
export function gunzipCapped(raw: Buffer, key: string): Buffer {
  try {
    return gunzipSync(raw, { maxOutputLength: MAX_GUNZIPPED_BYTES });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new StorageError('storage.too-large', `object ${key} unpacks to more than ${MAX_GUNZIPPED_BYTES} bytes; it is corrupt or was not written by cairn`, { key });
    }
    throw new StorageError('storage.integrity', `object ${key} is not valid gzip: ${(err as Error).message}`, { key });
  }
}

export function gunzipJson<T>(raw: Buffer, key: string): T {
  return parseJson<T>(gunzipCapped(raw, key), key);
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
  const text = gunzipCapped(buf, key).toString('utf8');
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
