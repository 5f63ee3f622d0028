/**
 * The Vite plugin in a real Vite (createServer / build / preview) on temp projects, against
 * the loopback API: what a user would check — the env file, the API's request log, the
 * dev server's log and pages, and what this dev session can read.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { build, createServer, preview, type Plugin } from 'vite';
import { describe, expect, test } from 'vitest';
import { postgres } from '../src/vite.js';
import { countRows } from './helpers/postgres.js';
import { useViteHarness } from './helpers/vite.js';

const vite = useViteHarness();
const { viteProject, plugin, startDev, createCount, passwordOf } = vite;

describe('vite dev', () => {
  test('the first start creates one database in envDir (not root, not the cwd); the session sees it; the second start creates none', async () => {
    const root = await viteProject();
    await mkdir(join(root, 'env'));
    const cwdHadEnv = existsSync(join(process.cwd(), '.env'));
    const before = createCount();

    const first = await startDev(root, [plugin()], { envDir: 'env' });
    expect(createCount()).toBe(before + 1);
    const db = vite.api.lastCreated()!;
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

  test('past the expiry in the file: the API is asked; a database it no longer knows is replaced, one it cannot check is kept with a warning', async () => {
    const root = await viteProject();
    const claimUrl = `${vite.api.baseUrl}/claim/01900000-0000-7000-8000-000000000000`;
    const expired = `# Claimable DB expires at: Sat, 01 Feb 2025 12:00:00 GMT\n# Claim it now to your account: ${claimUrl}\nDATABASE_URL='postgres://me@localhost/app'\nVITE_INSTAGRES_CLAIM_URL='${claimUrl}'\n`;
    await writeFile(join(root, '.env'), expired);
    const creates = vite.api.createRequests().length;
    const { logger, server } = await startDev(root, [plugin()]);
    expect(vite.api.createRequests().length).toBe(creates + 1);
    const db = vite.api.lastCreated()!;
    expect(logger.lines).toContainEqual(`info: [get-db] The database in .env had expired and is gone (its lines are kept as comments): Created database ${db.id}: wrote DATABASE_URL, DATABASE_URL_DIRECT, VITE_INSTAGRES_CLAIM_URL to .env.`);
    expect(server.config.env.VITE_INSTAGRES_CLAIM_URL).toBe(db.claim_url);
    expect(await readFile(join(root, '.env'), 'utf8')).toContain("# replaced by get-db on ");
    await server.close();

    const away = await viteProject();
    // Made by a server that is away now: the block says which.
    await writeFile(join(away, '.env'), expired.replace('\nDATABASE_URL=', '\n# get-db: api http://127.0.0.1:1/api/v1\nDATABASE_URL='));
    const kept = await startDev(away, [plugin()]);
    expect(vite.api.createRequests().length).toBe(creates + 1);
    expect(kept.logger.lines).toEqual([expect.stringMatching(/^warn: \[get-db\] The database in .*\.env expired on Sat, 01 Feb 2025 .* by its comment, but whether it still exists could not be checked \(Could not reach 127\.0\.0\.1:1: ECONNREFUSED\), so it was left as it is\./)]);
    expect(await readFile(join(away, '.env'), 'utf8')).toContain("DATABASE_URL='postgres://me@localhost/app'");
    expect(await readFile(join(away, '.env'), 'utf8')).not.toContain('# replaced by get-db');
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
    const db = vite.api.lastCreated()!;
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
    expect(parse(await readFile(join(root, 'env', '.env'), 'utf8')).DATABASE_URL).toBe(vite.api.lastCreated()!.connection_string);
    expect(existsSync(join(root, '.env'))).toBe(false);
    expect(server.config.env.VITE_INSTAGRES_CLAIM_URL).toBe(vite.api.lastCreated()!.claim_url);
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

describe('never outside vite dev', () => {
  test('vite build and vite preview never call the API', async () => {
    const root = await viteProject();
    const requests = vite.api.requests.length;
    await build({ root, configFile: false, plugins: [plugin()], logLevel: 'silent', build: { outDir: join(root, 'dist') } });
    const server = await preview({ root, configFile: false, plugins: [plugin()], logLevel: 'silent', preview: { port: 0, host: '127.0.0.1' } });
    vite.closeAfter(server);
    expect((await fetch(server.resolvedUrls!.local[0]!)).status).toBe(200);
    expect(vite.api.requests.length).toBe(requests);
    expect(existsSync(join(root, '.env'))).toBe(false);
  });

  test('test runs: mode "test", or VITEST set, never call the API', async () => {
    const root = await viteProject();
    const requests = vite.api.requests.length;
    await startDev(root, [plugin()], { mode: 'test' });
    process.env.VITEST = 'true';
    await startDev(root, [plugin()]);
    expect(vite.api.requests.length).toBe(requests);
    expect(existsSync(join(root, '.env'))).toBe(false);
  });
});

