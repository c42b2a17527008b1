// Public surface of the storage module: open a BackupLocation, then work with its BackupStore.
export { openLocation, type OpenLocationOptions } from './open.ts';
export { BackupStore } from './store.ts';
export { BackupWriter, type ManifestInput } from './writer.ts';
export type { FetchedResources, FetchOptions } from './fetch.ts';
export type { VerifyResult, VerifyProblem } from './verify.ts';
export type { HeldLock } from './locks.ts';
export type { ObjectStore, ObjectInfo } from './object-store.ts';
export { FilesystemObjectStore } from './fs-store.ts';
// S3ObjectStore is imported from './s3-store.ts' directly: re-exporting it here would load minio
// for every user of storage (issue 17).
export type { S3StoreOptions } from './s3-store.ts';
export type { KeySource } from './crypto.ts';
export * from './errors.ts';
export * from './types.ts';
export { layout, itemPath, parseItemPath, ARTIFACTS, FORMAT_VERSION } from './layout.ts';
export { describeFormat, unsupportedFormat } from './format.ts';
