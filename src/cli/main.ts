// Entry point of the cairn CLI: parses arguments and hands each command to its module.
// The CLI is thin; every command module only parses options, calls the engine and prints.
import { Command, CommanderError } from 'commander';
import { registerValidate } from './validate.ts';
import { registerBackups } from './backups.ts';
import { registerBackup } from './backup.ts';
import { registerSim } from './sim.ts';
import { registerModifiers } from './modifiers.ts';
import { registerRestore } from './restore.ts';
import { registerEngine } from './engine.ts';
import { registerDemo } from './demo.ts';
import { registerEtcd } from './etcd.ts';
import { ENGINE_VERSION } from '../version.ts';

export function buildProgram(): Command {
  const program = new Command('cairn')
    .description('Declarative GitOps engine for Kubernetes backups and restores')
    .version(ENGINE_VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerValidate(program);
  registerEngine(program);
  registerBackups(program);
  registerBackup(program);
  registerRestore(program);
  registerModifiers(program);
  registerSim(program);
  registerDemo(program);
  registerEtcd(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code. Usage errors exit 2 (DESIGN §8). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    process.stderr.write(`cairn: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}
