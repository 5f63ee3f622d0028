/**
 * The Vite plugin in a real Vite (createServer / build / preview) on temp projects, against
 * the loopback API: what a user would check — the env file, the API's request log, the
 * dev server's log and pages, and what this dev session can read.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { build, createServer, preview, type InlineConfig, type Logger, type Plugin, type PluginOption, type ViteDevServer } from 'vite';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, test } from 'vitest';
import { postgres } from '../src/vite.js';
import { tempProject } from './helpers/cli.js';
import { countRows } from './helpers/postgres.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi({ postgres: inject('postgres') });
});
afterAll(() => api.close());

// Vitest marks its own process as a test run, which the plugin rightly stays out of; the
// dev servers started here stand for `vite dev`, so that mark is lifted while they run.
let savedEnv: NodeJS.ProcessEnv;
const servers: { close(): Promise<void> }[] = [];
beforeEach(() => {
  savedEnv = { ...process.env };
  for (const key of ['VITEST', 'DATABASE_URL', 'DATABASE_URL_DIRECT', 'VITE_INSTAGRES_CLAIM_URL', 'INSTAGRES_API_URL']) delete process.env[key];
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  api.resetScript();
  api.onCreate(undefined);
});

interface CapturedLogger extends Logger {
  lines: string[];
}

function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const record = (level: string) => (msg: string) => void lines.push(`${level}: ${msg}`);
  return {
    lines,
    info: record('info'),
    warn: record('warn'),
    warnOnce: record('warn'),
    error: record('error'),
    clearScreen: () => {},
    hasErrorLogged: () => false,
    hasWarned: false,
  };
}

/** A minimal app: a page, and a module that reads the claim URL the way client code does. */
async function viteProject(): Promise<string> {
  const root = await tempProject('get-db-vite-');
  await writeFile(join(root, 'index.html'), '<!doctype html><title>app</title><script type="module" src="/main.js"></script>\n');
  await writeFile(join(root, 'main.js'), 'export const claimUrl = import.meta.env.VITE_INSTAGRES_CLAIM_URL;\nexport const secret = import.meta.env.DATABASE_URL;\n');
  return root;
}

const plugin = (extra: Partial<Parameters<typeof postgres>[0]> = {}) => postgres({ referrer: 'vite-test', apiUrl: api.apiUrl, ...extra });

async function startDev(root: string, plugins: PluginOption[], extra: InlineConfig = {}) {
  const logger = captureLogger();
  const server: ViteDevServer = await createServer({
    root,
    configFile: false,
    plugins,
    server: { port: 0, host: '127.0.0.1', ws: false },
    optimizeDeps: { noDiscovery: true },
    customLogger: logger,
    ...extra,
  });
  servers.push(server);
  await server.listen();
  const url = server.resolvedUrls!.local[0]!;
  return { server, logger, url, page: (path = '') => fetch(new URL(path, url)) };
}

const createCount = () => api.createRequests().length;
const passwordOf = (url: string) => decodeURIComponent(new URL(url).password);

describe('vite dev', () => {
  test('the first start creates one database in envDir (not root, not the cwd); the session sees it; the second start creates none', async () => {
    const root = await viteProject();
    await mkdir(join(root, 'env'));
    const cwdHadEnv = existsSync(join(process.cwd(), '.env'));
    const before = createCount();

    const first = await startDev(root, [plugin()], { envDir: 'env' });
    expect(createCount()).toBe(before + 1);
    const db = api.lastCreated()!;
    const written = parse(await readFile(join(root, 'env', '.env'), 'utf8'));
    expect(written).toEqual({
      DATABASE_URL: db.connection_string,
      DATABASE_URL_DIRECT: db.connection_string!.replace('-pooler.', '.'),
      VITE_INSTAGRES_CLAIM_URL: db.claim_url,
    });
    expect(existsSync(join(root, '.env'))).toBe(false);
    expect(existsSync(join(process.cwd(), '.env'))).toBe(cwdHadEnv);

    // Client code gets the prefixed claim URL and never the connection string.
    expect(first.server.config.env.VITE_INSTAGRES_CLAIM_URL).toBe(db.claim_url);
    expect(first.server.config.env.DATABASE_URL).toBeUndefined();
    const page = await first.page();
    expect(page.status).toBe(200);
    const clientModule = await (await first.page('main.js')).text();
    expect(clientModule).toContain(db.claim_url);
    expect(clientModule).not.toContain(passwordOf(db.connection_string!));
    // Server-side code in this session reads process.env.
    expect(process.env.DATABASE_URL).toBe(db.connection_string);
    expect(process.env.DATABASE_URL_DIRECT).toBe(written.DATABASE_URL_DIRECT);

    expect(first.logger.lines).toContainEqual(expect.stringMatching(/^info: \[get-db\] Created database .*: wrote DATABASE_URL, DATABASE_URL_DIRECT, VITE_INSTAGRES_CLAIM_URL to env\/\.env\.$/));
    const reminder = new RegExp(`^info: \\[get-db\\] Database expires in \\d+h( \\d+m)? unless you claim it: ${db.claim_url}$`);
    expect(first.logger.lines).toContainEqual(expect.stringMatching(reminder));
    expect(first.logger.lines.join('\n')).not.toContain(passwordOf(db.connection_string!));
    await first.server.close();

    const second = await startDev(root, [plugin()], { envDir: 'env' });
    expect(createCount()).toBe(before + 1);
    expect(second.logger.lines.filter((line) => line.includes('[get-db]'))).toEqual([expect.stringMatching(reminder)]);
    expect(second.server.config.env.VITE_INSTAGRES_CLAIM_URL).toBe(db.claim_url);
    expect(process.env.DATABASE_URL).toBe(db.connection_string);
  });

  test('a key Vite would find — in a mode file or in the shell — means no database is created', async () => {
    const root = await viteProject();
    const before = createCount();
    await writeFile(join(root, '.env.development.local'), 'DATABASE_URL=postgres://me@localhost/app\n');
    const fromModeFile = await startDev(root, [plugin()]);
    expect(fromModeFile.logger.lines.filter((line) => line.includes('[get-db]'))).toEqual([]);
    await fromModeFile.server.close();

    const other = await viteProject();
    process.env.DATABASE_URL = 'postgres://me@localhost/shell';
    await startDev(other, [plugin()]);
    expect(createCount()).toBe(before);
    expect(existsSync(join(root, '.env'))).toBe(false);
    expect(existsSync(join(other, '.env'))).toBe(false);
  });

  test('the claim reminder comes from the file, so a database past its expiry gets a warning, not a request', async () => {
    const root = await viteProject();
    const claimUrl = `${api.baseUrl}/claim/01900000-0000-7000-8000-000000000000`;
    await writeFile(
      join(root, '.env'),
      `# Claimable DB expires at: Sat, 01 Feb 2025 12:00:00 GMT\n# Claim it now to your account: ${claimUrl}\nDATABASE_URL='postgres://me@localhost/app'\nVITE_INSTAGRES_CLAIM_URL='${claimUrl}'\n`,
    );
    const requests = api.requests.length;
    const { logger } = await startDev(root, [plugin()]);
    expect(api.requests.length).toBe(requests);
    expect(logger.lines).toEqual([
      `warn: [get-db] The claim window ended Sat, 01 Feb 2025 12:00:00 GMT; unless you claimed it, the database is gone (delete its lines from your env file for a new one): ${claimUrl}`,
    ]);
  });

  test('a restart reads the edited file again, not the copy this process got from the first start', async () => {
    const root = await viteProject();
    const first = await startDev(root, [plugin()]);
    await first.server.close();
    const text = await readFile(join(root, '.env'), 'utf8');
    await writeFile(join(root, '.env'), text.replace(/^DATABASE_URL=.*$/m, "DATABASE_URL='postgres://me@localhost/edited'"));
    await startDev(root, [plugin()]);
    expect(process.env.DATABASE_URL).toBe('postgres://me@localhost/edited');
  });

  test('envDir: false (no env files for Vite): writes in root, the client still sees the claim URL, and the next start reads that file', async () => {
    const root = await viteProject();
    const before = createCount();
    const first = await startDev(root, [plugin()], { envDir: false });
    const db = api.lastCreated()!;
    expect(parse(await readFile(join(root, '.env'), 'utf8')).DATABASE_URL).toBe(db.connection_string);
    expect(first.server.config.env.VITE_INSTAGRES_CLAIM_URL).toBe(db.claim_url);
    await first.server.close();
    await startDev(root, [plugin()], { envDir: false });
    expect(createCount()).toBe(before + 1);
  });

  test('an envDir another plugin sets in its own config hook (as frameworks do) is where the file goes', async () => {
    const root = await viteProject();
    await mkdir(join(root, 'env'));
    const framework: Plugin = { name: 'framework', config: () => ({ envDir: 'env' }) };
    const { server } = await startDev(root, [plugin(), framework]);
    expect(parse(await readFile(join(root, 'env', '.env'), 'utf8')).DATABASE_URL).toBe(api.lastCreated()!.connection_string);
    expect(existsSync(join(root, '.env'))).toBe(false);
    expect(server.config.env.VITE_INSTAGRES_CLAIM_URL).toBe(api.lastCreated()!.claim_url);
  });

  test('dotEnvFile, dotEnvKey, envPrefix and a seed relative to the project root', async () => {
    const root = await viteProject();
    await mkdir(join(root, 'env'));
    await mkdir(join(root, 'db'));
    await writeFile(join(root, 'db', 'schema.sql'), 'create table notes (id int); insert into notes values (1), (2), (3);\n');
    const { logger } = await startDev(
      root,
      [plugin({ dotEnvFile: '.env.local', dotEnvKey: 'PG_URL', envPrefix: 'PUBLIC_', seed: { type: 'sql-script', path: 'db/schema.sql' } })],
      { envDir: 'env' },
    );
    const written = parse(await readFile(join(root, 'env', '.env.local'), 'utf8'));
    expect(Object.keys(written)).toEqual(['PG_URL', 'PG_URL_DIRECT', 'PUBLIC_INSTAGRES_CLAIM_URL']);
    expect(logger.lines).toContainEqual(expect.stringMatching(/to env\/\.env\.local, seeded from db\/schema\.sql\.$/));
    expect(await countRows(written.PG_URL_DIRECT!, 'notes')).toBe(3);
  });
});

describe('several compilers in one process (frameworks run more than one)', () => {
  test('a second dev server of the same project while the first lives: one database, one reminder, and it sees the values', async () => {
    const root = await viteProject();
    const before = createCount();
    const first = await startDev(root, [plugin()]);
    const second = await startDev(root, [plugin()]);
    expect(createCount()).toBe(before + 1);
    expect(first.logger.lines.filter((line) => line.includes('unless you claim it'))).toHaveLength(1);
    expect(second.logger.lines.filter((line) => line.includes('[get-db]'))).toEqual([]);
    expect(second.server.config.env.VITE_INSTAGRES_CLAIM_URL).toBe(api.lastCreated()!.claim_url);
    expect(process.env.DATABASE_URL).toBe(api.lastCreated()!.connection_string);
  });

  test("Vite's own restart (a config or .env edit) reads the file again, silently; closing then ends the start", async () => {
    const root = await viteProject();
    const first = await startDev(root, [plugin()]);
    const text = await readFile(join(root, '.env'), 'utf8');
    await writeFile(join(root, '.env'), text.replace(/^DATABASE_URL=.*$/m, "DATABASE_URL='postgres://me@localhost/edited'"));
    const linesBefore = first.logger.lines.length;
    await first.server.restart();
    expect(process.env.DATABASE_URL).toBe('postgres://me@localhost/edited');
    expect(first.logger.lines.slice(linesBefore).filter((line) => line.includes('[get-db]'))).toEqual([]);
    await first.server.close();
    // The process has no dev server left for this file: the next start is a start again.
    const next = await startDev(root, [plugin()]);
    expect(next.logger.lines.filter((line) => line.includes('unless you claim it'))).toHaveLength(1);
  });

  test('when the API fails, the second compiler neither asks again nor repeats the error', async () => {
    const root = await viteProject();
    const before = createCount();
    api.fail(4, 500);
    const first = await startDev(root, [plugin()]);
    const second = await startDev(root, [plugin()]);
    expect(createCount()).toBe(before + 4);
    expect(first.logger.lines.filter((line) => line.startsWith('error:'))).toHaveLength(1);
    expect(second.logger.lines.filter((line) => line.includes('[get-db]'))).toEqual([]);
  });

  test("React Router's child compiler (its own dev server, also started inside a build) is never a start", async () => {
    const root = await viteProject();
    const requests = api.requests.length;
    const child = await startDev(root, [plugin()], { cacheDir: join(root, 'node_modules', '.vite-child-compiler') });
    expect(child.logger.lines).toEqual([]);
    expect(api.requests.length).toBe(requests);
    expect(existsSync(join(root, '.env'))).toBe(false);
  });

  test('a dev server started while a build runs in this process (as frameworks do inside builds) creates nothing', async () => {
    const root = await viteProject();
    const requests = api.requests.length;
    let inner: ViteDevServer | undefined;
    const startsADevServer: Plugin = {
      name: 'framework-inner-compiler',
      async buildStart() {
        inner = await createServer({ root, configFile: false, plugins: [plugin()], logLevel: 'silent', server: { middlewareMode: true, ws: false } });
      },
    };
    await build({ root, configFile: false, plugins: [plugin(), startsADevServer], logLevel: 'silent', build: { outDir: join(root, 'dist') } });
    await inner?.close();
    expect(inner).toBeDefined();
    expect(api.requests.length).toBe(requests);
    expect(existsSync(join(root, '.env'))).toBe(false);
  });
});

describe('frameworks that need an integration instead', () => {
  test('in an Astro or Nuxt config the plugin creates nothing and says, once per process, what to use', async () => {
    const root = await viteProject();
    const requests = api.requests.length;
    const astro: Plugin = { name: 'astro:build' };
    const first = await startDev(root, [plugin(), astro]);
    const second = await startDev(root, [plugin(), [astro]]);
    const ours = (lines: string[]) => lines.filter((line) => line.includes('[get-db]'));
    expect(ours(first.logger.lines)).toEqual([expect.stringMatching(/^warn: \[get-db\] In Astro this Vite plugin does nothing .*use the get-db\/astro integration/)]);
    expect(second.logger.lines.filter((line) => line.includes('[get-db]'))).toEqual([]);
    const nuxt = await startDev(root, [plugin(), { name: 'nuxt:env' }]);
    expect(ours(nuxt.logger.lines)).toEqual([expect.stringMatching(/^warn: \[get-db\] In Nuxt .*modules: \['get-db\/nuxt'\]/)]);
    expect(api.requests.length).toBe(requests);
    expect(existsSync(join(root, '.env'))).toBe(false);
  });
});

describe('messages name the plugin options, not CLI flags', () => {
  test('a bad apiUrl: the hint says apiUrl', async () => {
    const root = await viteProject();
    const { logger } = await startDev(root, [plugin({ apiUrl: 'not a url' })]);
    const text = logger.lines.join('\n');
    expect(text).toContain('INVALID_API_URL');
    expect(text).toContain("apiUrl: 'https://instagres.com/api/v1'");
    expect(text).not.toMatch(/--[a-z]/);
  });

  test('a missing referrer: the hint says referrer', async () => {
    const root = await viteProject();
    const { logger } = await startDev(root, [postgres({ apiUrl: api.apiUrl } as Parameters<typeof postgres>[0])]);
    const text = logger.lines.join('\n');
    expect(text).toContain('The plugin needs a referrer: postgres({ referrer: "your-app-name" })');
    expect(text).not.toMatch(/--[a-z]|instantPostgres/);
  });
});

describe('failures are logged and the dev server still starts', () => {
  test('400 Missing referrer: one clear line, the hint, no file; the page is served', async () => {
    const root = await viteProject();
    api.fail(1, 400, { error: 'Missing referrer', hint: 'Add a "ref" to the request body naming your app.' });
    const { logger, page, server } = await startDev(root, [plugin()]);
    expect(logger.lines).toEqual([
      'info: [get-db] DATABASE_URL is not set: creating a claimable Postgres database…',
      expect.stringMatching(/^error: \[get-db\] Could not create a database for DATABASE_URL \(API_ERROR\): .*Missing referrer/),
      'info: [get-db] Add a "ref" to the request body naming your app.',
      'info: [get-db] The dev server starts without DATABASE_URL; restart the dev server to try again.',
    ]);
    expect((await page()).status).toBe(200);
    expect(existsSync(join(root, '.env'))).toBe(false);
    expect(server.config.env.VITE_INSTAGRES_CLAIM_URL).toBeUndefined();
  });

  test('500 on every attempt: logged, the server runs, and the next start tries again', async () => {
    const root = await viteProject();
    const before = createCount();
    api.fail(4, 500);
    const failed = await startDev(root, [plugin()]);
    expect(failed.logger.lines).toContainEqual(expect.stringMatching(/^error: \[get-db\] Could not create a database for DATABASE_URL \(API_ERROR\): .*Failed to create the database/));
    expect((await failed.page()).status).toBe(200);
    expect(createCount()).toBe(before + 4);
    await failed.server.close();

    await startDev(root, [plugin()]);
    expect(createCount()).toBe(before + 5);
    expect(parse(await readFile(join(root, '.env'), 'utf8')).DATABASE_URL).toBe(api.lastCreated()!.connection_string);
  });

  test('an empty assignment in the env file: nothing is created or overwritten, and the line says what to do', async () => {
    const root = await viteProject();
    await writeFile(join(root, '.env'), 'DATABASE_URL=\n');
    const requests = api.requests.length;
    const { logger, page } = await startDev(root, [plugin()]);
    expect(logger.lines).toEqual([
      'info: [get-db] DATABASE_URL is not set: creating a claimable Postgres database…',
      'error: [get-db] DATABASE_URL is assigned in .env but reads as empty; no database was created.',
      'info: [get-db] Give it a value, or delete the line and restart the dev server to get a new database.',
    ]);
    expect(api.requests.length).toBe(requests);
    expect(await readFile(join(root, '.env'), 'utf8')).toBe('DATABASE_URL=\n');
    expect((await page()).status).toBe(200);
  });

  test('bad options (no referrer) are logged before any request', async () => {
    const root = await viteProject();
    const requests = api.requests.length;
    const { logger, page } = await startDev(root, [postgres({ apiUrl: api.apiUrl } as Parameters<typeof postgres>[0])]);
    expect(logger.lines).toContainEqual(expect.stringMatching(/^error: \[get-db\] Could not create a database for DATABASE_URL \(INVALID_REFERRER\)/));
    expect(api.requests.length).toBe(requests);
    expect((await page()).status).toBe(200);
  });

  test('a seed file the seed would refuse: logged before any request, no database, no file; the page is served', async () => {
    const root = await viteProject();
    await writeFile(join(root, 'schema.sql'), 'create table notes (id int);\n\\copy notes from notes.csv\n');
    const before = createCount();
    const { logger, page } = await startDev(root, [plugin({ seed: { type: 'sql-script', path: 'schema.sql' } })]);
    expect(logger.lines).toContainEqual(expect.stringMatching(/^error: \[get-db\] Could not create a database for DATABASE_URL \(SEED_UNSUPPORTED\): .*schema\.sql:2:1: the psql meta-command \\copy/));
    expect(logger.lines).toContainEqual(expect.stringMatching(/No database was created\.$/));
    expect(createCount()).toBe(before);
    await expect(readFile(join(root, '.env'), 'utf8')).rejects.toThrow(/ENOENT/);
    expect((await page()).status).toBe(200);
  });

  test('a seed that fails: the database is named with its claim URL, and the next start seeds that database', async () => {
    const root = await viteProject();
    await writeFile(join(root, 'schema.sql'), 'create table notes (id int);\nselect * from no_such_table;\n');
    const before = createCount();
    const failed = await startDev(root, [plugin({ seed: { type: 'sql-script', path: 'schema.sql' } })]);
    const db = api.lastCreated()!;
    expect(failed.logger.lines).toContainEqual(expect.stringMatching(new RegExp(`^error: \\[get-db\\] Database ${db.id} is in \\.env, but seeding it failed: .*schema\\.sql:2`)));
    expect(failed.logger.lines).toContainEqual(`info: [get-db] The next start of vite seeds it again (no new database); claim it to keep it: ${db.claim_url}`);
    await failed.server.close();

    await writeFile(join(root, 'schema.sql'), 'create table notes (id int);\ninsert into notes values (1);\n');
    const next = await startDev(root, [plugin({ seed: { type: 'sql-script', path: 'schema.sql' } })]);
    expect(createCount()).toBe(before + 1);
    expect(next.logger.lines).toContainEqual(`info: [get-db] Seeded database ${db.id} from schema.sql.`);
    const written = parse(await readFile(join(root, '.env'), 'utf8'));
    expect(await countRows(written.DATABASE_URL_DIRECT!, 'notes')).toBe(1);
    expect(await readFile(join(root, '.env'), 'utf8')).not.toMatch(/seed pending/);
  });

  test('an env file that cannot be written: the database is used for this session and its claim URL is shown, never the password', async () => {
    const root = await viteProject();
    api.onCreate(async () => {
      await mkdir(join(root, '.env'));
    });
    const { logger, server } = await startDev(root, [plugin()]);
    const db = api.lastCreated()!;
    expect(logger.lines).toContainEqual(expect.stringMatching(/^error: \[get-db\] A database was created, but \.env could not be written/));
    expect(logger.lines).toContainEqual(expect.stringContaining(db.claim_url));
    expect(logger.lines.join('\n')).not.toContain(passwordOf(db.connection_string!));
    expect(process.env.DATABASE_URL).toBe(db.connection_string);
    expect(server.config.env.VITE_INSTAGRES_CLAIM_URL).toBe(db.claim_url);
  });
});

describe('never outside vite dev', () => {
  test('vite build and vite preview never call the API', async () => {
    const root = await viteProject();
    const requests = api.requests.length;
    await build({ root, configFile: false, plugins: [plugin()], logLevel: 'silent', build: { outDir: join(root, 'dist') } });
    const server = await preview({ root, configFile: false, plugins: [plugin()], logLevel: 'silent', preview: { port: 0, host: '127.0.0.1' } });
    servers.push(server);
    expect((await fetch(server.resolvedUrls!.local[0]!)).status).toBe(200);
    expect(api.requests.length).toBe(requests);
    expect(existsSync(join(root, '.env'))).toBe(false);
  });

  test('test runs: mode "test", or VITEST set, never call the API', async () => {
    const root = await viteProject();
    const requests = api.requests.length;
    await startDev(root, [plugin()], { mode: 'test' });
    process.env.VITEST = 'true';
    await startDev(root, [plugin()]);
    expect(api.requests.length).toBe(requests);
    expect(existsSync(join(root, '.env'))).toBe(false);
  });
});
