// Backup encryption (DESIGN §3): AES-256-GCM with a random data key per backup, wrapped by a
// key-encryption key derived with scrypt from a passphrase (or with HKDF from a key file).
// The archive is encrypted in fixed-size chunks so it never sits in memory; every chunk is
// authenticated with its index and a final-chunk flag, so truncation and reordering fail.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, scrypt as scryptCb, timingSafeEqual, createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import type { EncryptionHeader } from './types.ts';
import { IntegrityError, WrongKeyError } from './errors.ts';

const scrypt = promisify(scryptCb) as (pw: Buffer, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

export const CHUNK_SIZE = 1024 * 1024;
const TAG = 16;
const SCRYPT = { N: 1 << 15, r: 8, p: 1 } as const;
const WRAP_AAD = Buffer.from('cairn/v1 data-key');
const KEYID_INFO = Buffer.from('cairn/v1 key-id');

/** What unlocks a location's backups: a passphrase or the bytes of a key file. */
export type KeySource = { passphrase: string } | { keyFile: Buffer };

async function deriveKek(source: KeySource, kdf: EncryptionHeader['kdf']): Promise<Buffer> {
  if (kdf.name === 'scrypt') {
    if (!('passphrase' in source)) throw new WrongKeyError('this backup was encrypted with a passphrase, but the location names a key file');
    const { N, r, p } = kdf;
    return scrypt(Buffer.from(source.passphrase, 'utf8'), Buffer.from(kdf.salt, 'base64'), 32, { N, r, p, maxmem: 256 * N * r + (1 << 20) });
  }
  if (!('keyFile' in source)) throw new WrongKeyError('this backup was encrypted with a key file, but the location names a passphrase');
  return Buffer.from(hkdfSync('sha256', source.keyFile, Buffer.alloc(0), 'cairn/v1 kek', 32));
}

function keyId(kek: Buffer): string {
  return createHash('sha256').update(KEYID_INFO).update(kek).digest('hex').slice(0, 32);
}

/** A fresh data key and the header that lets the holder of the same key source unwrap it later. */
export async function newDataKey(source: KeySource): Promise<{ dataKey: Buffer; header: EncryptionHeader }> {
  const kdf: EncryptionHeader['kdf'] =
    'passphrase' in source ? { name: 'scrypt', ...SCRYPT, salt: randomBytes(16).toString('base64') } : { name: 'keyfile' };
  const kek = await deriveKek(source, kdf);
  const dataKey = randomBytes(32);
  const wrapIv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', kek, wrapIv);
  c.setAAD(WRAP_AAD);
  const wrapped = Buffer.concat([c.update(dataKey), c.final()]);
  return {
    dataKey,
    header: {
      algorithm: 'AES-256-GCM',
      chunkSize: CHUNK_SIZE,
      kdf,
      wrappedKey: wrapped.toString('base64'),
      wrapIv: wrapIv.toString('base64'),
      wrapTag: c.getAuthTag().toString('base64'),
      keyId: keyId(kek),
      noncePrefix: randomBytes(4).toString('base64'),
    },
  };
}

/** Unwraps the data key; WrongKeyError when the passphrase/key file is not the one used. */
export async function unwrapDataKey(source: KeySource, header: EncryptionHeader, what: string): Promise<Buffer> {
  const kek = await deriveKek(source, header.kdf);
  const id = Buffer.from(keyId(kek));
  if (id.length !== header.keyId.length || !timingSafeEqual(id, Buffer.from(header.keyId))) {
    throw new WrongKeyError(`wrong passphrase or key file for ${what}: the key does not match the one the backup was encrypted with`);
  }
  try {
    const d = createDecipheriv('aes-256-gcm', kek, Buffer.from(header.wrapIv, 'base64'));
    d.setAAD(WRAP_AAD);
    d.setAuthTag(Buffer.from(header.wrapTag, 'base64'));
    return Buffer.concat([d.update(Buffer.from(header.wrappedKey, 'base64')), d.final()]);
  } catch (err) {
    throw new IntegrityError('manifest.json', `the wrapped data key of ${what} failed authentication: the manifest's encryption header was altered`, {});
  }
}

function chunkIv(prefix: Buffer, index: number): Buffer {
  const iv = Buffer.alloc(12);
  prefix.copy(iv, 0, 0, 4);
  iv.writeBigUInt64BE(BigInt(index), 4);
  return iv;
}

function chunkAad(index: number, final: boolean): Buffer {
  const aad = Buffer.alloc(9);
  aad.writeBigUInt64BE(BigInt(index), 0);
  aad[8] = final ? 1 : 0;
  return aad;
}

/**
 * Buffers input and hands out fixed-size records, always holding back the last one until
 * the end so the final record is known. Base of both directions.
 */
abstract class Chunker extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  protected index = 0;
  constructor(private readonly recordSize: number) {
    super();
  }
  protected abstract record(buf: Buffer, final: boolean): Buffer;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    try {
      // Strictly more than one record buffered: the first one cannot be the final record.
      if (this.pendingBytes > this.recordSize) {
        const all = Buffer.concat(this.pending);
        let off = 0;
        while (all.length - off > this.recordSize) {
          this.push(this.record(all.subarray(off, off + this.recordSize), false));
          off += this.recordSize;
        }
        this.pending = [all.subarray(off)];
        this.pendingBytes = all.length - off;
      }
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.push(this.record(Buffer.concat(this.pending), true));
      done();
    } catch (err) {
      done(err as Error);
    }
  }
}

class EncryptStream extends Chunker {
  constructor(private readonly key: Buffer, private readonly prefix: Buffer, chunkSize: number) {
    super(chunkSize);
  }
  protected record(plain: Buffer, final: boolean): Buffer {
    const c = createCipheriv('aes-256-gcm', this.key, chunkIv(this.prefix, this.index));
    c.setAAD(chunkAad(this.index, final));
    this.index += 1;
    return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  }
}

class DecryptStream extends Chunker {
  constructor(private readonly key: Buffer, private readonly prefix: Buffer, chunkSize: number, private readonly artifact: string) {
    super(chunkSize + TAG);
  }
  protected record(rec: Buffer, final: boolean): Buffer {
    if (rec.length < TAG) throw new IntegrityError(this.artifact, `${this.artifact} is truncated: chunk ${this.index} is incomplete`);
    const d = createDecipheriv('aes-256-gcm', this.key, chunkIv(this.prefix, this.index));
    d.setAAD(chunkAad(this.index, final));
    d.setAuthTag(rec.subarray(rec.length - TAG));
    try {
      const out = Buffer.concat([d.update(rec.subarray(0, rec.length - TAG)), d.final()]);
      this.index += 1;
      return out;
    } catch {
      throw new IntegrityError(
        this.artifact,
        `${this.artifact} failed authentication at chunk ${this.index}: the ciphertext was altered, truncated or reordered`,
      );
    }
  }
}

export function encryptStream(dataKey: Buffer, header: EncryptionHeader): Transform {
  return new EncryptStream(dataKey, Buffer.from(header.noncePrefix, 'base64'), header.chunkSize);
}

/** `artifact` names the file in errors. */
export function decryptStream(dataKey: Buffer, header: EncryptionHeader, artifact: string): Transform {
  return new DecryptStream(dataKey, Buffer.from(header.noncePrefix, 'base64'), header.chunkSize, artifact);
}

/**
 * The key for one artifact of a backup other than the archive: derived from the backup's data
 * key and the artifact's file name, so the artifacts share the header's nonce prefix without
 * ever sharing a (key, IV) pair. The archive keeps the data key itself.
 */
export function artifactKey(dataKey: Buffer, file: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), `cairn/v1 artifact ${file}`, 32));
}

/** JSON with object keys sorted at every level: the bytes the manifest's MAC covers. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * HMAC-SHA256 over the whole manifest (its encryption record included, its `mac` excluded),
 * keyed from the data key: whoever lacks the key cannot edit the manifest — flip a phase,
 * rename it, swap digests — without the edit being detected.
 */
export function manifestMac(dataKey: Buffer, manifest: { encryption?: { mac?: string } }): string {
  const { mac: _mac, ...encryption } = manifest.encryption ?? {};
  const body = canonicalJson({ ...manifest, encryption });
  return createHmac('sha256', artifactKey(dataKey, 'manifest.json')).update(body).digest('base64');
}

export function manifestMacMatches(dataKey: Buffer, manifest: { encryption?: { mac?: string } }): boolean {
  const want = Buffer.from(manifestMac(dataKey, manifest));
  const got = Buffer.from(manifest.encryption?.mac ?? '');
  return want.length === got.length && timingSafeEqual(want, got);
}

/** First bytes of a sealed object: a small encrypted object that carries its own header. */
const SEALED_MAGIC = Buffer.from('cairn-sealed/v1\n');

export function isSealed(bytes: Buffer): boolean {
  return bytes.length >= SEALED_MAGIC.length && bytes.subarray(0, SEALED_MAGIC.length).equals(SEALED_MAGIC);
}

async function runThrough(t: Transform, input: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  t.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    t.on('end', resolve);
    t.on('error', reject);
  });
  t.end(input);
  await done;
  return Buffer.concat(out);
}

/**
 * Encrypts a small object that lives outside any backup (a restore's result) under its own
 * data key: magic, the header as one JSON line, then the chunked ciphertext.
 */
export async function seal(source: KeySource, plain: Buffer): Promise<Buffer> {
  const { dataKey, header } = await newDataKey(source);
  const cipher = await runThrough(encryptStream(dataKey, header), plain);
  return Buffer.concat([SEALED_MAGIC, Buffer.from(`${JSON.stringify(header)}\n`), cipher]);
}

/** Inverse of seal; IntegrityError when `bytes` is not sealed or fails authentication. */
export async function unseal(source: KeySource, bytes: Buffer, what: string): Promise<Buffer> {
  if (!isSealed(bytes)) throw new IntegrityError(what, `${what} is not encrypted, but its location encrypts everything: refusing to read it`);
  const nl = bytes.indexOf(0x0a, SEALED_MAGIC.length);
  let header: EncryptionHeader;
  try {
    header = JSON.parse(bytes.subarray(SEALED_MAGIC.length, nl).toString('utf8')) as EncryptionHeader;
  } catch {
    throw new IntegrityError(what, `${what}: its encryption header is not valid JSON`);
  }
  const dataKey = await unwrapDataKey(source, header, what);
  return runThrough(decryptStream(dataKey, header, what), bytes.subarray(nl + 1));
}
