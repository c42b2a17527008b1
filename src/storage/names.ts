// Backup and policy names become object keys; only DNS-1123-style names are accepted so a
// name can never climb out of its folder.
import { StorageError } from './errors.ts';

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function checkName(kind: 'backup' | 'policy' | 'restore', name: string): void {
  if (!NAME.test(name) || name.includes('..')) {
    throw new StorageError(
      'storage.invalid-name',
      `${kind} name ${JSON.stringify(name)} is not valid: use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit`,
    );
  }
}
