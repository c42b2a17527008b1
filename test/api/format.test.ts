// The three renderings of validation errors.
import { describe, expect, it } from 'vitest';
import { formatErrors } from '../../src/api/format.ts';
import type { ValidationError } from '../../src/api/types.ts';

const errors: ValidationError[] = [
  { code: 'schema.required', file: 'locations/a.yaml', line: 5, col: 3, path: 'spec.s3.bucket', message: 'missing required field', kind: 'BackupLocation', name: 'a' },
  { code: 'yaml.syntax', file: 'odd, name: 100%.yaml', line: 2, col: 1, path: '', message: 'line one\nline two, 50% done\r' },
];

describe('formatErrors', () => {
  it('text: file:line:col: error: path: message', () => {
    expect(formatErrors(errors, 'text')).toBe(
      'locations/a.yaml:5:3: error: spec.s3.bucket: missing required field\nodd, name: 100%.yaml:2:1: error: line one\nline two, 50% done\r',
    );
  });

  it('github: workflow commands with properties and data escaped', () => {
    expect(formatErrors(errors, 'github').split('\n')).toEqual([
      '::error file=locations/a.yaml,line=5,col=3::spec.s3.bucket: missing required field',
      '::error file=odd%2C name%3A 100%25.yaml,line=2,col=1::line one%0Aline two, 50%25 done%0D',
    ]);
  });

  it('json: an array of plain objects', () => {
    expect(JSON.parse(formatErrors(errors, 'json'))).toEqual([
      { code: 'schema.required', file: 'locations/a.yaml', line: 5, col: 3, path: 'spec.s3.bucket', message: 'missing required field', kind: 'BackupLocation', name: 'a' },
      { code: 'yaml.syntax', file: 'odd, name: 100%.yaml', line: 2, col: 1, path: '', message: 'line one\nline two, 50% done\r' },
    ]);
    expect(formatErrors([], 'json')).toBe('[]');
  });
});
