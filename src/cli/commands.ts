/**
 * The CLI's commands: runs a command's module and turns every failure into one line and an
 * exit code. main.ts parses the arguments and hands over here (both are CommonJS bundles).
 */
import type { Command, CommanderError } from 'commander';
import { GetDbError, isGetDbError } from '../errors.js';
import { proxyConfigured } from '../provision/transport.js';
import { createOutput } from './output.js';
import { cancelledExitCode } from './terminal.js';
import type { UsageContext } from './main.js';

export type CommandName = 'create' | 'claim' | 'status' | 'seed' | 'serve' | 'mcp' | 'serve-operator';
type Action = (options: Record<string, unknown>, args: string[], command: Command) => Promise<number>;

const COMMANDS: Record<CommandName, () => Promise<{ default: Action }>> = {
  create: () => import('./commands/create.js'),
  claim: () => import('./commands/claim.js'),
  status: () => import('./commands/status.js'),
  seed: () => import('./commands/seed.js'),
  serve: () => import('./commands/serve.js'),
  mcp: () => import('./commands/mcp.js'),
  'serve-operator': () => import('./commands/serve-operator.js'),
};

const CALLS_THE_API: ReadonlySet<CommandName> = new Set(['create', 'claim', 'status']);

/**
 * Where a proxy is set, API requests go through undici (provision/transport.ts), and in the
 * CLI's own process only (the library never changes its host's V8 flags or loads ahead):
 * - undici parses HTTP with llhttp compiled to WebAssembly: one very large function that V8
 *   compiles with its baseline compiler, then again with its optimising one in the background,
 *   and a process cannot exit while that runs (~50 ms at the end of every create on a 2-core
 *   machine). Our answers are a few hundred bytes, which the baseline code parses at once.
 * - undici (the largest chunk) starts loading now, so its file reads overlap the command's own
 *   modules and plan; a failure is the first request's to report.
 */
function prepareForProxiedCalls(): void {
  (process.getBuiltinModule('node:v8') as typeof import('node:v8')).setFlagsFromString('--liftoff-only');
  import('../provision/undici-transport.js').catch(() => {});
}

export async function runCommand(name: CommandName, command: Command): Promise<number> {
  const options = command.opts();
  if (CALLS_THE_API.has(name) && proxyConfigured()) prepareForProxiedCalls();
  try {
    return await (await COMMANDS[name]()).default(options, command.args, command);
  } catch (error) {
    const code = createOutput(options.json === true).fail(error);
    return isGetDbError(error) && error.code === 'CANCELLED' ? cancelledExitCode() : code;
  }
}

/**
 * Commander's own usage errors: one line, a hint naming the help that fits, exit 2. A word the
 * create command does not take is most likely a mistyped command.
 *
 * @example
 * reportUsageError(error, process.argv, { command: 'seed' }); // hint: Run get-db seed --help for its options.
 */
export function reportUsageError(error: CommanderError, argv: string[], context: UsageContext = {}): number {
  const message = error.message.replace(/^error:\s*/i, '');
  let usage = new GetDbError('USAGE', message.charAt(0).toUpperCase() + message.slice(1), {
    hint: context.command ? `Run get-db ${context.command} --help for its options.` : 'Run get-db --help for the options.',
  });
  if (!context.command && context.stray !== undefined) {
    usage = new GetDbError('USAGE', `Unknown command '${context.stray}'.`, {
      hint: `The commands are ${COMMAND_WORDS}; get-db alone creates a database and takes options only (get-db --help).`,
    });
  }
  return createOutput(argv.includes('--json')).fail(usage);
}

const COMMAND_WORDS = 'claim, status, seed, serve, mcp and help';
