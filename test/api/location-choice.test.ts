// The one rule for which BackupLocation an object uses (src/api/location-choice.ts), and the
// callers that used to disagree on it: validation refused a policy without spec.location in a
// repository with a single, unmarked location while the plan backed it up there.
import { describe, expect, it } from 'vitest';
import { chooseLocation } from '../../src/api/location-choice.ts';
import { loadRepository } from '../../src/api/loader.ts';
import { writeRepo } from './fixtures.ts';

const loc = (name: string, isDefault = false) => ({ name, isDefault });

describe('chooseLocation', () => {
  it('takes the named location, and says when the name is unknown', () => {
    expect(chooseLocation([loc('a'), loc('b', true)], 'a')).toMatchObject({ ok: true, location: { name: 'a' }, implicit: false });
    expect(chooseLocation([loc('a')], 'nope')).toEqual({ ok: false, code: 'location.unknown', message: 'no BackupLocation named nope' });
  });
  it('without a name: the default, else the only location', () => {
    expect(chooseLocation([loc('a'), loc('b', true)], undefined)).toMatchObject({ ok: true, location: { name: 'b' }, implicit: true });
    expect(chooseLocation([loc('only')], undefined)).toMatchObject({ ok: true, location: { name: 'only' }, implicit: true });
  });
  it('chooses none rather than guess', () => {
    expect(chooseLocation([], undefined)).toMatchObject({ ok: false, code: 'location.none' });
    expect(chooseLocation([loc('a'), loc('b')], undefined)).toMatchObject({ ok: false, code: 'location.none' });
    expect(chooseLocation([loc('a', true), loc('b', true)], undefined)).toMatchObject({ ok: false, code: 'location.ambiguous' });
  });
});

describe('validation follows the same rule', () => {
  const policy = 'apiVersion: cairn.dev/v1alpha1\nkind: BackupPolicy\nmetadata: {name: p}\nspec:\n  schedule: "@daily"\n';
  const location = (name: string, def = false) =>
    `apiVersion: cairn.dev/v1alpha1\nkind: BackupLocation\nmetadata: {name: ${name}}\nspec:\n  provider: filesystem\n  filesystem: {path: /var/tmp/cairn-${name}}\n${def ? '  default: true\n' : ''}`;

  it('accepts a policy without spec.location when the repository has one location', async () => {
    const repo = await loadRepository(writeRepo({ 'locations/only.yaml': location('only'), 'policies/p.yaml': policy }));
    expect(repo.errors).toEqual([]);
    expect(repo.policies.map((p) => p.metadata.name)).toEqual(['p']);
  });
  it('refuses it when two locations and no default leave the choice open', async () => {
    const repo = await loadRepository(writeRepo({ 'locations/a.yaml': location('a'), 'locations/b.yaml': location('b'), 'policies/p.yaml': policy }));
    expect(repo.errors.map((e) => `${e.file}: ${e.message}`)).toEqual([
      'policies/p.yaml: no location: set spec.location, or mark one BackupLocation with spec.default: true',
    ]);
  });
});
