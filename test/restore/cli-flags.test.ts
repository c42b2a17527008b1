// Issue 13 item 7: `cairn restore` has a flag for every RestoreRequest spec field, and this test
// keeps them in step: the schema's fields, the flag table and the registered options agree.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { RESTORE_SPEC_FLAGS, registerRestore } from '../../src/cli/restore.ts';
import { restoreSpecFromOptions } from '../../src/cli/restore-create.ts';

const schema = JSON.parse(readFileSync(new URL('../../schemas/restore-request.json', import.meta.url), 'utf8'));

function restoreCommand(): Command {
  const program = new Command();
  registerRestore(program);
  return program.commands.find((c) => c.name() === 'restore')!;
}

/** The options a command line gives, without running the restore. */
function parse(args: string[]): ReturnType<Command['opts']> {
  const cmd = restoreCommand();
  cmd.parseOptions(args);
  return cmd.opts();
}

describe('cairn restore flags', () => {
  it('every RestoreRequest spec field has a flag, and every flag is registered', () => {
    const fields = Object.keys(schema.properties.spec.properties).sort();
    expect(Object.keys(RESTORE_SPEC_FLAGS).sort()).toEqual(fields);
    const registered = new Set(restoreCommand().options.map((o) => o.long));
    for (const [field, flag] of Object.entries(RESTORE_SPEC_FLAGS)) expect(registered.has(flag), `${field} → ${flag}`).toBe(true);
  });

  it('each flag sets its field', () => {
    const spec = restoreSpecFromOptions(
      parse([
        '--policy', 'apps', '--at', '2026-11-21T06:00:00Z', '--cluster', 'prod', '--location', 'primary',
        '--include-namespaces', 'a,b', '--exclude-namespaces', 'c', '--include-resources', 'configmaps', '--exclude-resources', 'secrets',
        '--include-cluster-resources', 'false', '--or-selector', 'app=web', '--or-selector', 'tier=db',
        '--namespace-mapping', 'a=a2', '--existing-resource-policy', 'update', '--dry-run', '--no-pre-restore-backup',
        '--restore-status', '--preserve-node-ports', '--namespace-termination-timeout', '90s',
      ]) as never,
    );
    expect(spec).toEqual({
      policy: 'apps',
      at: '2026-11-21T06:00:00Z',
      cluster: 'prod',
      location: 'primary',
      includedNamespaces: ['a', 'b'],
      excludedNamespaces: ['c'],
      includedResources: ['configmaps'],
      excludedResources: ['secrets'],
      includeClusterResources: false,
      orLabelSelectors: [{ matchLabels: { app: 'web' } }, { matchLabels: { tier: 'db' } }],
      namespaceMapping: { a: 'a2' },
      existingResourcePolicy: 'update',
      dryRun: true,
      preRestoreBackup: false,
      restoreStatus: true,
      preserveNodePorts: true,
      namespaceTerminationTimeout: '90s',
    });
    expect(restoreSpecFromOptions(parse(['--backup', 'b1', '--selector', 'app=web']) as never)).toMatchObject({ backupName: 'b1', labelSelector: { matchLabels: { app: 'web' } } });
  });

  it('refuses contradictory or malformed flags with a usage error', () => {
    expect(() => restoreSpecFromOptions(parse([]) as never)).toThrow('exactly one of --backup');
    expect(() => restoreSpecFromOptions(parse(['--backup', 'b', '--policy', 'p']) as never)).toThrow('exactly one of --backup');
    expect(() => restoreSpecFromOptions(parse(['--backup', 'b', '--at', '2026-01-01T00:00:00Z']) as never)).toThrow('--at needs --policy');
    expect(() => restoreSpecFromOptions(parse(['--backup', 'b', '--selector', 'a=b', '--or-selector', 'c=d']) as never)).toThrow('cannot be used together');
    expect(() => restoreSpecFromOptions(parse(['--backup', 'b', '--namespace-termination-timeout', '3 minutes']) as never)).toThrow('--namespace-termination-timeout');
  });
});
