/** The built CLI refusing what it cannot do, before anything is created, in words that point at the fix. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createWith, runCli, startCli, tempProject } from './helpers/cli.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi();
});
afterAll(() => api.close());

const createIn = (cwd: string, args?: string[], env?: Record<string, string | undefined>) => createWith(api, cwd, args, env);

describe('bad input is refused before anything is created (exit 2)', () => {
  const cases: Array<[string, string[], RegExp, string]> = [
    ['a key that is not a name', ['-k', '1-BAD'], /not a valid environment variable name/, 'INVALID_KEY'],
    ['a bad prefix', ['-p', 'NO SPACES'], /not a valid prefix/, 'INVALID_PREFIX'],
    ["a key that is the claim URL's name", ['-k', 'PUBLIC_INSTAGRES_CLAIM_URL'], /would put the connection string where the claim URL goes/, 'INVALID_KEY'],
    ['an env path that is a folder', ['-e', '.'], /folder|directory/i, 'INVALID_ENV_PATH'],
    ['an env file in a missing folder', ['-e', 'missing/dir/.env'], /folder|directory|exist/i, 'INVALID_ENV_PATH'],
    ['a missing seed file', ['-s', 'nope.sql'], /nope\.sql/, 'SEED_FILE_UNREADABLE'],
    ['a malformed API URL', ['--api-url', 'not a url'], /not a valid API URL/, 'INVALID_API_URL'],
    ['an unknown option', ['--frobnicate'], /unknown option/i, 'USAGE'],
  ];
  for (const [name, args, message, errorCode] of cases) {
    test(name, async () => {
      const cwd = await tempProject();
      const before = api.createRequests().length;
      const human = await createIn(cwd, args);
      expect(human.code).toBe(2);
      expect(human.stderr).toMatch(message);
      expect(human.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(human.stdout).toBe('');
      const json = await createIn(cwd, [...args, '--json']);
      expect(json.code).toBe(2);
      const body = JSON.parse(json.stdout);
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error).toEqual({ code: errorCode, message: expect.stringMatching(message), hint: expect.toBeOneOf([null, expect.any(String)]), ...(body.error.details ? { details: expect.any(Object) } : {}) });
      expect(api.createRequests().length).toBe(before);
    });
  }
});

describe('--help agrees with the README', () => {
  test("every option of the README's create table is in --help, with its alias and its default", async () => {
    const readme = await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Commands and options'), readme.indexOf('Other commands:'));
    const rows = [...table.matchAll(/^\| `(--[a-z-]+)[^`]*` \| (?:`(-\w)`)? *\| [^|]+\| ([^|]*)\|$/gm)];
    expect(rows.length).toBeGreaterThan(10);
    const help = (await runCli(['--help'], { cwd: await tempProject() })).stdout.replace(/\s+/g, ' ');
    for (const [, flag, alias, defaultCell] of rows) {
      expect(help, flag).toContain(alias ? `${alias}, ${flag}` : flag);
      const value = /^\s*`([^`]+)`\s*$/.exec(defaultCell!)?.[1];
      // Defaults the CLI applies itself; the API URL's is the env var's fallback, said in the help as that.
      if (value && flag !== '--api-url') expect(help, `${flag} default`).toMatch(new RegExp(`default: "?${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?\\)`));
    }
  });
});

describe('colour', () => {
  test('FORCE_COLOR=0 and false mean no colour (as Node reads them), FORCE_COLOR=1 colour, NO_COLOR wins', async () => {
    const cwd = await tempProject();
    const ESC = '\u001b[';
    const stderrWith = async (env: Record<string, string | undefined>) => (await runCli(['--bogus'], { cwd, env: { NO_COLOR: undefined, ...env } })).stderr;
    expect(await stderrWith({ FORCE_COLOR: '0' })).not.toContain(ESC);
    expect(await stderrWith({ FORCE_COLOR: 'false' })).not.toContain(ESC);
    expect(await stderrWith({ FORCE_COLOR: '1' })).toContain(ESC);
    expect(await stderrWith({ FORCE_COLOR: '1', NO_COLOR: '1' })).not.toContain(ESC);
  });
});

describe('a reader that closes the pipe early', () => {
  test('(| head, an agent that stops reading): no EPIPE crash or stack trace; the exit code is the outcome', async () => {
    const cwd = await tempProject();
    const run = startCli(['-y', '--json', '--api-url', api.apiUrl], { cwd });
    run.child.stdout.destroy(); // the read end is gone before the result is written
    const result = await run.done;
    expect(result.stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(result.code).toBe(0);
    expect(parse(await readFile(join(cwd, '.env'), 'utf8')).DATABASE_URL).toMatch(/^postgres/);
  });
});

describe('a key under a public prefix', () => {
  test('is written as asked, with a warning that client code would see the password', async () => {
    const cwd = await tempProject();
    const run = await createIn(cwd, ['-k', 'VITE_DB', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      keysWritten: ['VITE_DB', 'VITE_DB_DIRECT', 'PUBLIC_INSTAGRES_CLAIM_URL'],
      warnings: ['VITE_DB starts with VITE_, which frameworks expose to client code: the connection string and its password could reach the browser. Prefer a name without it, e.g. DATABASE_URL.'],
    });
    expect(JSON.parse((await createIn(await tempProject(), ['--json'])).stdout).warnings).toEqual([]);
  });
});

describe('usage errors point at the help that fits', () => {
  test('a mistyped command is named as one, not "too many arguments"; nothing is created', async () => {
    const cwd = await tempProject();
    const before = api.createRequests().length;
    const run = await createIn(cwd, ['clam', '--json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      error: { code: 'USAGE', message: "Unknown command 'clam'.", hint: "The commands are claim, status, seed, serve, mcp and help; get-db alone creates a database and takes options only (get-db --help)." },
    });
    expect(api.createRequests().length).toBe(before);
  });

  test('get-db help [command] shows the help --help shows; an unknown command after help is a usage error', async () => {
    const cwd = await tempProject();
    const [help, rootHelp, seedHelp, helpSeed] = await Promise.all([runCli(['help'], { cwd }), runCli(['--help'], { cwd }), runCli(['seed', '--help'], { cwd }), runCli(['help', 'seed'], { cwd })]);
    expect(help).toEqual({ ...rootHelp, code: 0 });
    expect(help.stdout).toMatch(/^ {2}help \[command\] +show help for a command$/m);
    expect(helpSeed).toEqual({ ...seedHelp, code: 0 });
    expect(helpSeed.stdout).toContain('Usage: get-db seed');
    const unknown = await runCli(['help', 'clam', '--json'], { cwd });
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout).error).toMatchObject({ code: 'USAGE', message: "Unknown command 'clam'." });
  });

  test('a bad INSTAGRES_API_URL is named as the variable, not as an --api-url nobody typed (create and status)', async () => {
    const cwd = await tempProject();
    for (const args of [['-y'], ['status']]) {
      const run = await runCli([...args, '--json'], { cwd, env: { INSTAGRES_API_URL: 'nonsense' } });
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout).error).toEqual({
        code: 'INVALID_API_URL',
        message: 'INSTAGRES_API_URL: "nonsense" is not a valid API URL.',
        hint: 'Fix or unset INSTAGRES_API_URL in your environment, or pass --api-url.',
      });
    }
    // --api-url given wins over the variable, as before.
    const given = await runCli(['-y', '--json', '--api-url', api.apiUrl], { cwd, env: { INSTAGRES_API_URL: 'nonsense' } });
    expect(JSON.parse(given.stdout)).toMatchObject({ ok: true, action: 'created' });
  });

  test("a subcommand's usage error names that subcommand's help", async () => {
    const cwd = await tempProject();
    for (const [args, message] of [[['seed', '--bogus'], "Unknown option '--bogus'"], [['seed'], "Missing required argument 'paths'"], [['status', 'extra'], /^Too many arguments for 'status'/]] as const) {
      const run = await runCli([...args, '--json'], { cwd });
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout).error).toEqual({ code: 'USAGE', message: typeof message === 'string' ? message : expect.stringMatching(message), hint: `Run get-db ${args[0]} --help for its options.` });
    }
  });
});
