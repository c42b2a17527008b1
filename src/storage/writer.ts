// Writing one backup: resources → index → log → manifest, the manifest last (DESIGN §1, §3).
// Until manifest.json exists the backup is an incomplete upload and is never restored.
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../log.ts';
import type { ObjectStore } from './object-store.ts';
import type { ArtifactDigest, BackupManifest, EncryptionHeader } from './types.ts';
import { ARTIFACTS, FORMAT_VERSION, layout } from './layout.ts';
import { ensureMarker, hasMarker } from './marker.ts';
import { DigestStream, sha256Hex } from './digest.ts';
import { artifactKey, encryptStream, manifestMac, newDataKey, type KeySource } from './crypto.ts';
import { gzipJsonLines, jsonBytes } from './json-io.ts';
import { StorageError } from './errors.ts';

export type ManifestInput = Omit<BackupManifest, 'artifacts' | 'encryption' | 'formatVersion'>;

export class BackupWriter {
  private resources?: ArtifactDigest;
  private etcd?: ArtifactDigest;
  private index?: ArtifactDigest;
  private log?: ArtifactDigest;
  private encryption?: EncryptionHeader;
  private keyReady?: Promise<{ dataKey: Buffer; header: EncryptionHeader }>;
  private readonly written = new Set<string>();
  private committed = false;

  constructor(
    readonly name: string,
    private readonly store: ObjectStore,
    private readonly location: string,
    /** Present when the location encrypts; resolved only when resources are written. */
    private readonly keySource: (() => Promise<KeySource>) | undefined,
    private readonly logger: Logger,
  ) {
    this.markerSeen = hasMarker(store).catch(() => false);
  }

  /**
   * Whether the location marker exists, asked when the backup begins rather than before its
   * manifest is written: one round trip less at the end of every backup (~3 ms on the benchmark).
   * A failed check (or no marker) is settled by ensureMarker at commit.
   */
  private readonly markerSeen: Promise<boolean>;

  /** Streams the tar.gz to storage (encrypting when the location says so); digest of the bytes as stored. */
  async writeResources(src: Readable): Promise<ArtifactDigest> {
    const encrypted = this.keySource !== undefined;
    const encrypt = await this.encrypter(ARTIFACTS.resourcesEncrypted);
    const digest = await this.putStream(layout.resources(this.name, encrypted), encrypt ? [src, encrypt] : [src]);
    this.resources = { file: encrypted ? ARTIFACTS.resourcesEncrypted : ARTIFACTS.resources, ...digest };
    this.logger.debug({ backup: this.name, artifact: this.resources.file, size: this.resources.size }, 'resources written');
    return this.resources;
  }

  /** Streams a gzipped etcd snapshot to storage as etcd.db.gz[.enc]; digest of the bytes as stored. */
  async writeEtcd(src: Readable): Promise<ArtifactDigest> {
    const encrypted = this.keySource !== undefined;
    const encrypt = await this.encrypter(ARTIFACTS.etcdEncrypted);
    const digest = await this.putStream(layout.etcd(this.name, encrypted), encrypt ? [src, encrypt] : [src]);
    this.etcd = { file: encrypted ? ARTIFACTS.etcdEncrypted : ARTIFACTS.etcd, ...digest };
    this.logger.debug({ backup: this.name, artifact: this.etcd.file, size: this.etcd.size }, 'etcd snapshot written');
    return this.etcd;
  }

  /**
   * index.json.gz as the producer gzips it while archiving (backup/index-rows.ts), streamed to
   * storage as it comes, so a backup never holds a whole index.
   */
  async writeIndexStream(src: Readable): Promise<ArtifactDigest> {
    const encrypt = await this.encrypter(ARTIFACTS.indexEncrypted);
    const file = encrypt ? ARTIFACTS.indexEncrypted : ARTIFACTS.index;
    this.index = { file, ...(await this.putStream(layout.index(this.name, encrypt !== undefined), encrypt ? [src, encrypt] : [src])) };
    return this.index;
  }

  /**
   * The backup's data key, made once (one scrypt) however many artifacts ask for it at once;
   * undefined when the location does not encrypt.
   */
  private dataKey(): Promise<{ dataKey: Buffer; header: EncryptionHeader }> | undefined {
    const source = this.keySource;
    if (!source) return undefined;
    return (this.keyReady ??= (async () => {
      const made = await newDataKey(await source());
      this.encryption = made.header;
      return made;
    })());
  }

  /** The encrypting stage for one artifact (the payload, archive or etcd snapshot, uses the data key; others a derived key). */
  private async encrypter(file: string): Promise<NodeJS.ReadWriteStream | undefined> {
    const made = await this.dataKey();
    if (!made) return undefined;
    const key = file === ARTIFACTS.resourcesEncrypted || file === ARTIFACTS.etcdEncrypted ? made.dataKey : artifactKey(made.dataKey, file);
    return encryptStream(key, made.header);
  }

  /** Gzipped bytes as stored: encrypted with the artifact's key when the location encrypts. */
  private async sealArtifact(file: string, body: Buffer): Promise<Buffer> {
    const made = await this.dataKey();
    if (!made) return body;
    const out: Buffer[] = [];
    await pipeline(Readable.from([body]), encryptStream(artifactKey(made.dataKey, file), made.header), async function* (src) {
      for await (const c of src) out.push(c as Buffer);
    });
    return Buffer.concat(out);
  }

  /** Pipes `stages` into an upload of `key`; digest of the bytes as stored. */
  private async putStream(key: string, stages: [Readable, ...NodeJS.ReadWriteStream[]]): Promise<Omit<ArtifactDigest, 'file'>> {
    const digest = new DigestStream();
    const out = new PassThrough();
    this.written.add(key);
    const upload = this.store.put(key, out).catch((err: unknown) => {
      out.destroy(err as Error); // unblocks the producer side
      throw err;
    });
    const produce = pipeline([...stages, digest, out]);
    const [produced, uploaded] = await Promise.allSettled([produce, upload]);
    if (produced.status === 'rejected') {
      // A premature close only echoes the upload's failure; report the upload's error then.
      const echo = (produced.reason as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE' || produced.reason === (uploaded as PromiseRejectedResult).reason;
      throw uploaded.status === 'rejected' && echo ? uploaded.reason : produced.reason;
    }
    if (uploaded.status === 'rejected') throw uploaded.reason;
    return digest.result();
  }

  async writeLog(lines: object[]): Promise<ArtifactDigest> {
    const encrypted = this.keySource !== undefined;
    const file = encrypted ? ARTIFACTS.logEncrypted : ARTIFACTS.log;
    this.log = await this.putSmall(layout.log(this.name, encrypted), file, await this.sealArtifact(file, gzipJsonLines(lines)));
    return this.log;
  }

  private async putSmall(key: string, file: string, body: Buffer): Promise<ArtifactDigest> {
    this.written.add(key);
    await this.store.put(key, body);
    return { file, sha256: sha256Hex(body), size: body.length };
  }

  /** Writes manifest.json — the moment the backup starts to exist. */
  async commit(input: ManifestInput): Promise<BackupManifest> {
    const etcd = input.type === 'etcd';
    const missing = (etcd ? (['etcd', 'log'] as const) : (['resources', 'index', 'log'] as const)).filter((a) => !this[a]);
    if (missing.length > 0) {
      throw new StorageError('storage.incomplete', `backup ${this.name}: cannot write the manifest before ${missing.join(', ')} (write every artifact first)`, {
        location: this.location,
      });
    }
    if (input.name !== this.name) {
      throw new StorageError('storage.invalid-name', `backup ${this.name}: manifest names ${JSON.stringify(input.name)}`, { location: this.location });
    }
    const manifest: BackupManifest = {
      formatVersion: FORMAT_VERSION,
      ...input,
      artifacts: etcd ? { etcd: this.etcd!, log: this.log! } : { resources: this.resources!, index: this.index!, log: this.log! },
      ...(this.encryption ? { encryption: { ...this.encryption } } : {}),
    };
    const made = await this.dataKey();
    if (made && manifest.encryption) manifest.encryption.mac = manifestMac(made.dataKey, manifest);
    // The marker first: once a backup exists here, a listing without the marker means another storage.
    if (!(await this.markerSeen)) await ensureMarker(this.store, this.location);
    await this.store.put(layout.manifest(this.name), jsonBytes(manifest));
    this.committed = true;
    this.logger.info({ backup: this.name, phase: manifest.phase, items: manifest.totalItems }, 'backup manifest written');
    return manifest;
  }

  /** Removes what this writer wrote (best effort); a committed backup is left alone. */
  async abort(): Promise<void> {
    if (this.committed) return;
    await this.store.deleteMany([...this.written]).catch((err: unknown) => {
      this.logger.warn({ backup: this.name, err: (err as Error).message }, 'could not remove the partial upload; a later tick cleans it up');
    });
  }
}
