// README's one exit-code table ("Exit codes": 0 ok, 1 failed or found wrong, 2 usage or
// environment error), checked against every command the CLI has: each one answers a usage error
// with 2 and a line starting `cairn <command>: `, and each reading command answers "not found"
// with 1 and an environment error with 2. The CLI runs in-process (main), output captured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.ts';
import { ROOT, runMain } from './helpers.ts';

const run = runMain;

/** Every runnable command, as its words: ['backup', 'create'], ['validate'], … */
function leafCommands(cmd: Command, path: string[] = []): string[][] {
  const subs = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  const own = path.length > 0 && (subs.length === 0 || (cmd as unknown as { _actionHandler?: unknown })._actionHandler) ? [path] : [];
  return [...own, ...subs.flatMap((c) => leafCommands(c, [...path, c.name()]))];
}

let root: string;
let repo: string;
let data: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cairn-exit-'));
  repo = join(root, 'repo');
  data = join(root, 'data');
  mkdirSync(join(repo, 'locations'), { recursive: true });
  mkdirSync(join(data, 'backups'), { recursive: true });
  writeFileSync(join(repo, 'locations', 'l.yaml'), 'apiVersion: cairn.dev/v1alpha1\nkind: BackupLocation\nmetadata: {name: l}\nspec:\n  default: true\n  provider: filesystem\n  filesystem: {path: backups}\n');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('one exit-code table for every command', () => {
  const commands = leafCommands(buildProgram());

  it('README has the table and a reference section for every command', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('### Exit codes'));
    for (const code of ['| 0 |', '| 1 |', '| 2 |']) expect(table).toContain(code);
    expect(commands.length).toBeGreaterThan(15);
    for (const words of commands) {
      if (words[0] === 'backups' || words[0] === 'version' || words[0] === 'modifiers' || words[0] === 'sim') continue; // aliases; one-line commands documented inline
      expect(readme, `README documents cairn ${words.join(' ')}`).toMatch(new RegExp(`cairn ${words.join(' ')}\\b`));
    }
  });

  it.each(commandsOrEmpty())('%s: an unknown flag is a usage error (2) named after the command', async (line) => {
    const words = line.split(' ');
    const r = await run([...words, '--no-such-flag']);
    expect(r.code).toBe(2);
    // Commander reports a missing required option first; either way the line names the command.
    expect(r.stderr, r.stderr).toMatch(new RegExp(`^cairn ${line}: (unknown option '--no-such-flag'|required option)`));
  });

  function commandsOrEmpty(): string[] {
    return leafCommands(buildProgram()).map((w) => w.join(' '));
  }

  it('not found is 1, an environment error is 2, on the commands that read', async () => {
    const common = ['--repo', repo, '--data-dir', data];
    const notFound: [string[], RegExp][] = [
      [['backup', 'get', 'nope', ...common], /^cairn backup get: backup nope does not exist in location l/],
      [['backup', 'describe', 'nope', ...common], /^cairn backup describe: backup nope does not exist/],
      [['backup', 'logs', 'nope', ...common], /^cairn backup logs: backup nope does not exist/],
      [['backup', 'verify', 'nope', ...common], /^cairn backup verify: backup nope does not exist/],
      [['backup', 'diff', 'nope', 'other', ...common], /^cairn backup diff: backup nope does not exist/],
      [['backup', 'delete', 'nope', '--yes', ...common], /^cairn backup delete: backup nope does not exist/],
      [['restore', 'get', 'nope', ...common], /^cairn restore get: restore nope has no result in location l/],
      [['restore', 'describe', 'nope', ...common], /^cairn restore describe: restore nope has no result in location l/],
      [['validate', join(root, 'data')], /^cairn validate: .* no cairn objects found/],
      [['plan', '--repo', join(root, 'data'), '--data-dir', data], /^cairn plan: .* holds no cairn objects/],
    ];
    for (const [args, message] of notFound) {
      const r = await run(args);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 1]);
      expect(r.stderr).toMatch(message);
    }
    const environment: [string[], RegExp][] = [
      [['backup', 'get', '--repo', join(root, 'nowhere'), '--data-dir', data], /^cairn backup get: --repo .*nowhere: no such directory/],
      [['backup', 'get', '--location', 'nope', ...common], /^cairn backup get: --location nope: no BackupLocation/],
      [['backup', 'get', '--repo', repo, '--data-dir', join(root, 'no', 'such')], /^cairn backup get: filesystem location .* does not exist/],
      [['validate', join(root, 'nowhere')], /^cairn validate: .*nowhere: no such directory/],
      [['reconcile', '--repo', repo], /^cairn reconcile: pass --once/],
      [['reconcile', '--once', '--data-dir', data], /^cairn reconcile: no policy repository: pass --repo/],
      [['validate', '--log-level', 'loud', ROOT], /^cairn validate: --log-level: log level "loud" is not one of debug, info, warn, error, silent/],
    ];
    for (const [args, message] of environment) {
      const r = await run(args);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.stderr).toMatch(message);
    }
  });

  it('version and --version print the version and exit 0', async () => {
    const a = await run(['version']);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
