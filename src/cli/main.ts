// Entry point of the cairn CLI: parses arguments and hands each command to its module.
// The CLI is thin; every command module only parses options, calls the engine and prints.
// Command modules import their heavy dependencies (Kubernetes client, S3 client, Git library,
// metrics, logging) inside their actions: `--version`, `--help`, `validate` and `plan` load only
// what they use (issue 17; test/cli/lazy-imports.test.ts).
import { Command, CommanderError, Option } from 'commander';
import { registerValidate } from './validate.ts';
import { registerBackup } from './backup.ts';
import { registerSim } from './sim.ts';
import { registerModifiers } from './modifiers.ts';
import { registerRestore } from './restore.ts';
import { registerEngine } from './engine.ts';
import { registerDemo } from './demo.ts';
import { registerEtcd } from './etcd.ts';
import { CliError, EXIT, exitCodeOf } from './common.ts';
import { ENGINE_VERSION } from '../version.ts';
import { LOG_LEVELS, levelValue } from '../log.ts';

const ENVIRONMENT = `
Environment:
  CAIRN_REPO               the policy repository (--repo)
  CAIRN_BRANCH             the branch to follow (--branch)
  CAIRN_DATA_DIR           the data directory (--data-dir; default $XDG_STATE_HOME/cairn or ~/.local/state/cairn)
  CAIRN_INTERVAL           time between ticks of cairn run (--interval)
  CAIRN_LISTEN             address of cairn run's HTTP server (--listen)
  CAIRN_GIT_AUTHOR         author of status commits (--author)
  CAIRN_LOG_LEVEL          debug | info | warn | error | silent (--log-level)
  CAIRN_GIT_TOKEN_FILE, CAIRN_GIT_TOKEN, CAIRN_GIT_USERNAME, CAIRN_GIT_SSH_KEY_FILE,
  CAIRN_GIT_SSH_KNOWN_HOSTS_FILE   Git credentials (README "A real Git remote")
  KUBECONFIG               the cluster of policies that name no Cluster
  <variables your locations and clusters name>   S3 keys, passphrases, kubeconfig paths

Exit codes: 0 ok; 1 the thing failed or was found wrong (invalid, failed, mismatch, not found);
2 usage or environment error (bad flag, missing file, variable, passphrase or location).
`;

/** "backup create" for a command: what its errors start with. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c && c.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function eachCommand(cmd: Command, visit: (c: Command) => void): void {
  visit(cmd);
  for (const sub of cmd.commands) eachCommand(sub, visit);
}

/** `onAction` learns which command runs, before anything of it can fail. */
export function buildProgram(onAction?: (command: Command) => void): Command {
  const program = new Command('cairn')
    .description('Declarative GitOps engine for Kubernetes backups and restores')
    .version(ENGINE_VERSION)
    .showHelpAfterError()
    .exitOverride()
    // A command's options are read before its subcommand only: `restore --backup` (deprecated)
    // and `restore create --backup` must not both claim the flag.
    .enablePositionalOptions()
    .addHelpText('after', ENVIRONMENT);
  registerValidate(program);
  registerEngine(program);
  registerBackup(program);
  registerRestore(program);
  registerModifiers(program);
  registerSim(program);
  registerDemo(program);
  registerEtcd(program);
  program
    .command('version')
    .description('print the version of cairn')
    .action(() => {
      process.stdout.write(`${ENGINE_VERSION}\n`);
    });
  // One --log-level on every command; every error starts "cairn <command>: ".
  eachCommand(program, (c) => {
    if (c !== program && !c.options.some((o) => o.long === '--log-level')) {
      c.addOption(new Option('--log-level <level>', `${LOG_LEVELS.join(' | ')} (env CAIRN_LOG_LEVEL)`).default(process.env.CAIRN_LOG_LEVEL ?? 'info'));
    }
    c.exitOverride();
    c.configureOutput({
      outputError: (text, write) => write(text.replace(/^error: /, `cairn${c === program ? '' : ` ${commandPath(c)}`}: `)),
    });
  });
  program.hook('preAction', (_root, action) => {
    onAction?.(action);
    const level = action.opts().logLevel as string | undefined;
    if (level === undefined) return;
    try {
      levelValue(level);
    } catch (err) {
      throw new CliError(`--log-level: ${(err as Error).message}`);
    }
    if (action.getOptionValueSource('logLevel') === 'cli') process.env.CAIRN_LOG_LEVEL = level;
  });
  return program;
}

/** Runs the CLI; resolves to the process exit code (README "Exit codes"). */
export async function main(argv: string[]): Promise<number> {
  let running: Command | undefined;
  const program = buildProgram((action) => {
    running = action;
  });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
      // Under `plan --detailed-exitcode` 2 means "changes": a usage error must not look like one.
      return argv.includes('--detailed-exitcode') ? EXIT.FAILED : EXIT.USAGE;
    }
    const where = running === undefined || running === program ? 'cairn' : `cairn ${commandPath(running)}`;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${where}: ${message}\n`);
    return exitCodeOf(err);
  }
}
