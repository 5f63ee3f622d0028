/** `instantPostgres` and the exported steps: results, and every error code a caller can meet. */
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  applyEnvBlock,
  createDatabase,
  createIntoEnv,
  fetchStatus,
  findClaimUrl,
  findDatabaseUrl,
  formatEnvBlock,
  getDatabase,
  instantPostgres,
  makeCreatePlan,
  readEnvFile,
  readProjectEnv,
  seedDatabase,
  toDirectUrl,
  writeFileAtomic,
  type ApplyEnvBlockOptions,
  type CreateDatabaseOptions,
  type EnvBlockValues,
  type SeedOptions,
} from '../src/index.js';
import { expectCode } from './helpers/expect-error.js';
import { tempProject } from './helpers/cli.js';
import { countRows } from './helpers/postgres.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi({ postgres: inject('postgres') });
});
afterAll(() => api.close());

describe('instantPostgres', () => {
  test('creates, writes the env file where asked, and resolves the documented fields', async () => {
    const cwd = await tempProject();
    const result = await instantPostgres({ referrer: 'lib-test', cwd, dotEnvFile: '.env.local', apiUrl: api.apiUrl });
    const db = api.lastCreated()!;
    expect(result).toEqual({
      action: 'created',
      reason: null,
      id: db.id,
      databaseUrl: db.connection_string,
      databaseUrlDirect: db.connection_string!.replace('-pooler.', '.'),
      claimUrl: db.claim_url,
      claimExpiresAt: new Date(db.expires_at),
      envFile: join(cwd, '.env.local'),
      seed: undefined,
      warnings: [],
    });
    expect(parse(await readFile(join(cwd, '.env.local'), 'utf8')).DATABASE_URL).toBe(result.databaseUrl);
  });

  test('seeds through the direct URL when asked (the pooler host here reaches nothing)', async () => {
    const directOnly = await startFakeApi({ postgres: inject('postgres'), directOnly: true });
    try {
      const cwd = await tempProject();
      await writeFile(join(cwd, 'schema.sql'), 'create table t (id int); insert into t values (1), (2);');
      const result = await instantPostgres({ referrer: 'lib-test', cwd, apiUrl: directOnly.apiUrl, seed: { type: 'sql-script', path: 'schema.sql' } });
      expect(await countRows(result.databaseUrlDirect, 't')).toBe(2);
      await expect(countRows(result.databaseUrl, 't')).rejects.toThrow(/ENOTFOUND/);
    } finally {
      await directOnly.close();
    }
  });
});

describe('the exported steps, composed by a caller', () => {
  test('create, direct URL, env block, atomic write, seed, then read it all back', async () => {
    const cwd = await tempProject();
    const envFile = join(cwd, '.env');
    await writeFile(envFile, '# mine\nKEEP=1\n');
    const createOptions: CreateDatabaseOptions = { apiUrl: api.apiUrl, referrer: 'lib-steps' };
    const db = await createDatabase(createOptions);
    const values: EnvBlockValues = {
      key: 'DATABASE_URL',
      prefix: 'PUBLIC_',
      databaseUrl: db.connection_string!,
      databaseUrlDirect: toDirectUrl(db.connection_string!),
      claimUrl: db.claim_url,
      expiresAt: new Date(db.expires_at),
    };
    const edit: ApplyEnvBlockOptions = { key: 'DATABASE_URL', prefix: 'PUBLIC_', block: formatEnvBlock(values), replace: false, now: new Date() };
    await writeFileAtomic(envFile, applyEnvBlock((await readEnvFile(envFile)) ?? '', edit));
    await writeFile(join(cwd, 'schema.sql'), 'create table t (id int); insert into t values (1);');
    const seedOptions: SeedOptions = { connectionString: values.databaseUrlDirect, files: [join(cwd, 'schema.sql')] };
    expect(await seedDatabase(seedOptions)).toMatchObject({ statements: 2, rowsCopied: 0, files: 1 });

    const vars = await readProjectEnv(envFile);
    expect(vars.KEEP).toBe('1');
    expect(findDatabaseUrl(vars, 'DATABASE_URL')).toEqual({ key: 'DATABASE_URL_DIRECT', url: values.databaseUrlDirect });
    expect(findClaimUrl(vars, 'PUBLIC_')).toEqual({ key: 'PUBLIC_INSTAGRES_CLAIM_URL', url: db.claim_url });
    expect(await fetchStatus({ apiUrl: api.apiUrl, claimUrl: db.claim_url })).toMatchObject({ id: db.id, status: 'UNCLAIMED', connectionStringServed: true });
  });

  test('makeCreatePlan + createIntoEnv: "skip" leaves a file that has the key alone and asks the API nothing', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, '.env'), 'DATABASE_URL=postgres://x@y/z\n');
    const before = api.requests.length;
    const plan = await makeCreatePlan({ cwd, apiUrl: api.apiUrl, referrer: 'lib-steps', ifKeyExists: 'skip', env: {} });
    expect(await createIntoEnv(plan)).toEqual({ action: 'skipped', reason: 'key-exists', envFile: join(cwd, '.env'), key: 'DATABASE_URL', warnings: [] });
    expect(api.requests.length).toBe(before);
  });
});

describe('every error code a library caller can meet', () => {
  const base = { referrer: 'lib-test' };
  test('USAGE, INVALID_*, SEED_FILE_UNREADABLE: nothing is created', async () => {
    const cwd = await tempProject();
    const before = api.requests.length;
    const apiUrl = api.apiUrl;
    await expectCode(instantPostgres({ ...base, cwd, apiUrl, seed: { type: 'csv' as 'sql-script', path: 'x' } }), 'USAGE');
    await expectCode(instantPostgres({ ...base, cwd, apiUrl, seed: { type: 'sql-script', path: 42 as unknown as string } }), 'USAGE');
    await expectCode(instantPostgres({ referrer: '', cwd, apiUrl }), 'INVALID_REFERRER');
    await expectCode(instantPostgres({ ...base, cwd, apiUrl, dotEnvKey: 'NOT-A-NAME' }), 'INVALID_KEY');
    await expectCode(instantPostgres({ ...base, cwd, apiUrl, envPrefix: 'BAD PREFIX' }), 'INVALID_PREFIX');
    await expectCode(instantPostgres({ ...base, cwd, apiUrl: 'ftp://example.com' }), 'INVALID_API_URL');
    await expectCode(instantPostgres({ ...base, cwd, apiUrl, dotEnvFile: '.' }), 'INVALID_ENV_PATH');
    await symlink('.env.loop', join(cwd, '.env.loop'));
    await expectCode(instantPostgres({ ...base, cwd, apiUrl, dotEnvFile: '.env.loop' }), 'INVALID_ENV_PATH');
    await writeFile(join(cwd, 'a-file'), '');
    await expectCode(instantPostgres({ ...base, cwd, apiUrl, dotEnvFile: 'a-file/.env' }), 'INVALID_ENV_PATH');
    await expectCode(instantPostgres({ ...base, cwd, apiUrl, seed: { type: 'sql-script', path: 'missing.sql' } }), 'SEED_FILE_UNREADABLE');
    expect(api.requests.length).toBe(before);
  });

  test('options of the wrong type (plain JavaScript, a config file): USAGE naming the option, nothing created or written', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, '.env'), 'DATABASE_URL=postgres://x@y/z\n');
    const before = api.requests.length;
    const wrong: Array<[Record<string, unknown>, string]> = [
      [{ force: 'no' }, 'The option force must be true or false, not the string "no".'],
      [{ gitignore: 'false' }, 'The option gitignore must be true or false, not the string "false".'],
      [{ dotEnvFile: 5 }, 'The option dotEnvFile must be a string, not number 5.'],
      [{ cwd: 7 }, 'The option cwd must be a string, not number 7.'],
      [{ apiUrl: 12 }, 'The option apiUrl must be a string, not number 12.'],
      [{ settings: { logicalReplication: 'yes' } }, 'The option settings.logicalReplication must be true or false, not the string "yes".'],
      [{ seed: 'schema.sql' }, 'The option seed must be an object, e.g. { type: "sql-script", path: "schema.sql" }, not the string "schema.sql".'],
      [{ seed: { path: 'schema.sql' } }, 'The option seed.type must be "sql-script" (the one kind there is), not missing.'],
      [{ signal: 'x' }, 'The option signal must be an AbortSignal, not the string "x".'],
      [{ onStep: 'x' }, 'The option onStep must be a function, not the string "x".'],
    ];
    for (const [options, message] of wrong) {
      const error = await expectCode(instantPostgres({ ...base, cwd, apiUrl: api.apiUrl, ...options } as never), 'USAGE');
      expect(error.message).toBe(message);
    }
    expect(api.requests.length).toBe(before);
    expect(await readFile(join(cwd, '.env'), 'utf8')).toBe('DATABASE_URL=postgres://x@y/z\n');
  });

  test("errors name the library's options, not the CLI's flags", async () => {
    const cwd = await tempProject();
    const referrer = await expectCode(instantPostgres({ referrer: 'x'.repeat(201), cwd, apiUrl: api.apiUrl }), 'INVALID_REFERRER');
    expect([referrer.message, referrer.hint]).toEqual(['The referrer must be a non-empty name of at most 200 printable characters.', "e.g. referrer: 'my-app'"]);
    const scheme = await expectCode(instantPostgres({ ...base, cwd, apiUrl: 'ftp://example.com' }), 'INVALID_API_URL');
    expect(scheme.hint).toBe("e.g. apiUrl: 'https://instagres.com/api/v1' (or http://127.0.0.1:3000/api/v1 for get-db serve)");
    const folder = await expectCode(instantPostgres({ ...base, cwd, apiUrl: api.apiUrl, dotEnvFile: '.' }), 'INVALID_ENV_PATH');
    expect(folder.hint).toBe("Pass a file path, e.g. dotEnvFile: '.env.local'");
    const network = await expectCode(instantPostgres({ ...base, cwd, apiUrl: 'http://127.0.0.1:1/api/v1' }), 'NETWORK');
    expect(network.hint).toBe('Check your connection, HTTPS_PROXY / NO_PROXY, or point apiUrl (INSTAGRES_API_URL) at a reachable server.');
  });

  test('KEY_EXISTS unless force', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, '.env'), 'DATABASE_URL=postgres://x@y/z\n');
    await expectCode(instantPostgres({ ...base, cwd, apiUrl: api.apiUrl }), 'KEY_EXISTS');
    await instantPostgres({ ...base, cwd, apiUrl: api.apiUrl, force: true });
    expect(parse(await readFile(join(cwd, '.env'), 'utf8')).DATABASE_URL).toBe(api.lastCreated()!.connection_string);
  });

  test('API_ERROR, UNEXPECTED_RESPONSE, NETWORK, TIMEOUT, CANCELLED', async () => {
    const cwd = await tempProject();
    api.fail(1, 400, { error: 'Missing referrer', hint: 'Add ref' });
    const apiError = await expectCode(instantPostgres({ ...base, cwd, apiUrl: api.apiUrl }), 'API_ERROR');
    expect(apiError.message).toMatch(/Missing referrer/);
    expect(apiError.hint).toMatch(/Add ref/);
    api.missingFields(1);
    await expectCode(instantPostgres({ ...base, cwd, apiUrl: api.apiUrl }), 'UNEXPECTED_RESPONSE');
    await expectCode(instantPostgres({ ...base, cwd, apiUrl: 'http://127.0.0.1:9/api/v1' }), 'NETWORK');
    api.hang(1);
    process.env.GET_DB_HTTP_TIMEOUT_MS = '300';
    await expectCode(instantPostgres({ ...base, cwd, apiUrl: api.apiUrl }), 'TIMEOUT').finally(() => delete process.env.GET_DB_HTTP_TIMEOUT_MS);
    api.hang(1);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await expectCode(instantPostgres({ ...base, cwd, apiUrl: api.apiUrl, signal: controller.signal }), 'CANCELLED');
    api.resetScript();
    await expect(readFile(join(cwd, '.env'))).rejects.toThrow();
  });

  test('INTERNAL wraps anything else (here the caller\'s own onStep throwing), keeping it as the cause', async () => {
    const cwd = await tempProject();
    const before = api.requests.length;
    const boom = new Error('boom');
    const error = await expectCode(
      instantPostgres({ ...base, cwd, apiUrl: api.apiUrl, onStep: () => { throw boom; } }),
      'INTERNAL',
    );
    expect(error.message).toBe('Unexpected error: boom');
    expect(error.cause).toBe(boom);
    expect(error.exitCode).toBe(1);
    expect(api.requests.length).toBe(before);
  });

  test('INTERNAL after the database exists (onStep throwing at "write") still names the database', async () => {
    const cwd = await tempProject();
    const boom = new Error('boom');
    const error = await expectCode(
      instantPostgres({ ...base, cwd, apiUrl: api.apiUrl, onStep: (step) => { if (step === 'write') throw boom; } }),
      'INTERNAL',
    );
    const db = api.lastCreated()!;
    expect(error.details).toMatchObject({ databaseId: db.id, claimUrl: db.claim_url, envFile: join(cwd, '.env') });
  });

  test('ENV_WRITE_FAILED keeps the new lines in the error, so nothing is lost', async () => {
    const cwd = await tempProject();
    const envFile = join(cwd, '.env');
    // The file turns into a folder while the database is being created.
    api.onCreate(async () => {
      await mkdir(envFile);
    });
    const error = await expectCode(instantPostgres({ ...base, cwd, apiUrl: api.apiUrl }), 'ENV_WRITE_FAILED');
    api.onCreate(undefined);
    expect((error.details?.lines as string[]).join('\n')).toContain(api.lastCreated()!.connection_string);
    await rm(envFile, { recursive: true });
  });

  test('SEED_FAILED names file:line:col and leaves nothing behind; SEED_UNSUPPORTED before anything runs', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, 'bad.sql'), 'create table ok (id int);\n\nselect * from no_such_table;\n');
    const failed = await expectCode(instantPostgres({ ...base, cwd, apiUrl: api.apiUrl, seed: { type: 'sql-script', path: 'bad.sql' } }), 'SEED_FAILED');
    expect(failed.message).toMatch(/bad\.sql:3:\d+/);
    // Run from elsewhere, `get-db seed` would read another .env: the line names this one.
    expect(failed.hint).toContain(`npx get-db seed -e ${join(cwd, '.env')} ${join(cwd, 'bad.sql')}`);
    const db = api.lastCreated()!;
    expect(failed.details).toMatchObject({ databaseId: db.id, claimUrl: db.claim_url, envFile: join(cwd, '.env') });
    // Nothing behind: the table the first statement made is gone with the transaction.
    const direct = parse(await readFile(join(cwd, '.env'), 'utf8')).DATABASE_URL_DIRECT!;
    await expect(countRows(direct, 'ok')).rejects.toThrow(/relation "ok" does not exist/);
    // The same call again, once the file is fixed, seeds that database: no second one.
    await writeFile(join(cwd, 'bad.sql'), 'create table ok (id int);\ninsert into ok values (1);\n');
    const before = api.requests.length;
    const resumed = await instantPostgres({ ...base, cwd, apiUrl: api.apiUrl, seed: { type: 'sql-script', path: 'bad.sql' } });
    expect(api.requests.length).toBe(before);
    expect(resumed).toMatchObject({ id: db.id, claimUrl: db.claim_url, databaseUrl: db.connection_string, databaseUrlDirect: direct });
    expect(await countRows(direct, 'ok')).toBe(1);
    // Seeded now: a third call is KEY_EXISTS again.
    await expectCode(instantPostgres({ ...base, cwd, apiUrl: api.apiUrl, seed: { type: 'sql-script', path: 'bad.sql' } }), 'KEY_EXISTS');
    const cwd2 = await tempProject();
    await writeFile(join(cwd2, 'meta.sql'), 'create table t (id int);\n\\if :flag\n');
    await expectCode(instantPostgres({ ...base, cwd: cwd2, apiUrl: api.apiUrl, seed: { type: 'sql-script', path: 'meta.sql' } }), 'SEED_UNSUPPORTED');
  });

  test('a seed file the seed would refuse is SEED_UNSUPPORTED (file:line:col) before the API call: nothing created, no env file', async () => {
    for (const [file, text, where] of [
      ['copy.sql', 'create table t (id int);\n\\copy t from data.csv\n', /copy\.sql:2:1: the psql meta-command \\copy/],
      ['vacuum.sql', 'create table t (id int);\n\n  VACUUM t;\n', /vacuum\.sql:3:3: VACUUM cannot run inside a transaction/],
    ] as const) {
      const cwd = await tempProject();
      await writeFile(join(cwd, file), text);
      const before = api.createRequests().length;
      const error = await expectCode(instantPostgres({ ...base, cwd, apiUrl: api.apiUrl, seed: { type: 'sql-script', path: file } }), 'SEED_UNSUPPORTED');
      expect(error.message).toMatch(where);
      expect(error.hint).toMatch(/No database was created\.$/);
      expect(error.details).toMatchObject({ file: join(cwd, file) });
      expect(error.details?.databaseId).toBeUndefined();
      expect(api.createRequests().length).toBe(before);
      await expect(readFile(join(cwd, '.env'), 'utf8')).rejects.toThrow(/ENOENT/);
    }
  });

  test('a small seed file is read once, before the create: what runs is what was checked, even if the file changes meanwhile', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, 'schema.sql'), 'create table checked (id int);\n');
    api.onCreate(async () => {
      await writeFile(join(cwd, 'schema.sql'), 'create table changed (id int);\nVACUUM changed;\n');
    });
    const result = await instantPostgres({ ...base, cwd, apiUrl: api.apiUrl, seed: { type: 'sql-script', path: 'schema.sql' } }).finally(() => api.onCreate(undefined));
    expect(await countRows(result.databaseUrlDirect, 'checked')).toBe(0);
    await expect(countRows(result.databaseUrlDirect, 'changed')).rejects.toThrow(/does not exist/);
  });

  test('\\connect to another database is the one check left until the database (and so its name) exists', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, 'other.sql'), 'create table t (id int);\n\\connect shop\n');
    const error = await expectCode(instantPostgres({ ...base, cwd, apiUrl: api.apiUrl, seed: { type: 'sql-script', path: 'other.sql' } }), 'SEED_UNSUPPORTED');
    expect(error.message).toMatch(/other\.sql:2:1: \\connect shop switches to another database/);
    expect(error.details).toMatchObject({ databaseId: api.lastCreated()!.id });
  });

  test('NOT_FOUND from getDatabase; ENV_READ_FAILED, NO_CLAIM_URL, NO_DATABASE_URL from the env readers', async () => {
    await expectCode(getDatabase({ apiUrl: api.apiUrl, id: '01900000-0000-7000-8000-000000000000' }), 'NOT_FOUND');
    await expectCode(fetchStatus({ apiUrl: api.apiUrl, claimUrl: `${api.baseUrl}/claim/01900000-0000-7000-8000-000000000000` }), 'NOT_FOUND');
    await expectCode(fetchStatus({ apiUrl: api.apiUrl, claimUrl: 'not a url' }), 'NO_CLAIM_URL');
    const cwd = await tempProject();
    await expectCode(readProjectEnv(join(cwd, '.env')), 'ENV_READ_FAILED');
    await expectCode(readEnvFile(cwd), 'ENV_READ_FAILED');
    expect(() => findClaimUrl({ OTHER: 'x' }, 'PUBLIC_')).toThrow(expect.objectContaining({ code: 'NO_CLAIM_URL' }));
    expect(() => findDatabaseUrl({ OTHER: 'x' }, 'DATABASE_URL')).toThrow(expect.objectContaining({ code: 'NO_DATABASE_URL' }));
  });
});
