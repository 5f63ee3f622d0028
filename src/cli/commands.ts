/**
 * The ESM half of the CLI: runs a command's module (each loads only when its command
 * runs) and turns every failure into one line and an exit code. main.ts, the CommonJS
 * half, parses the arguments and hands over here.
 */
import type { Command, CommanderError } from 'commander';
import { GetDbError } from '../errors.js';
import { createOutput } from './output.js';

export type CommandName = 'create' | 'claim' | 'status' | 'seed' | 'serve';
type Action = (options: Record<string, unknown>, args: string[], command: Command) => Promise<number>;

const COMMANDS: Record<CommandName, () => Promise<{ default: Action }>> = {
  create: () => import('./commands/create.js'),
  claim: () => import('./commands/claim.js'),
  status: () => import('./commands/status.js'),
  seed: () => import('./commands/seed.js'),
  serve: () => import('./commands/serve.js'),
};

export async function runCommand(name: CommandName, command: Command): Promise<number> {
  const options = command.opts();
  try {
    return await (await COMMANDS[name]()).default(options, command.args, command);
  } catch (error) {
    return createOutput(options.json === true).fail(error);
  }
}

/** Commander's own usage errors: one line, a hint, exit 2. */
export function reportUsageError(error: CommanderError, argv: string[]): number {
  const message = error.message.replace(/^error:\s*/i, '');
  const usage = new GetDbError('USAGE', message.charAt(0).toUpperCase() + message.slice(1), { hint: 'Run get-db --help for the options.' });
  return createOutput(argv.includes('--json')).fail(usage);
}
