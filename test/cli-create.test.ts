/** The built CLI's create command against a real loopback server speaking the documented API. */
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse } from 'dotenv';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createWith, runCli, tempProject } from './helpers/cli.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';

let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi();
});
afterAll(() => api.close());

const createIn = (cwd: string, args?: string[], env?: Record<string, string | undefined>) => createWith(api, cwd, args, env);

describe('get-db -y', () => {
  test('writes the documented block with the server claim URL and expiry, and a 0600 file', async () => {
    const cwd = await tempProject();
    const before = api.createRequests().length;
    const { code, stdout, stderr } = await createIn(cwd);
    expect(code, stderr).toBe(0);
    expect(stdout).toBe('');
    const post = api.createRequests().at(-1)!;
    expect(api.createRequests().length).toBe(before + 1);
    expect(JSON.parse(post.body)).toEqual({ ref: 'npm:get-db' });
    expect(post.headers['user-agent']).toMatch(/^get-db\/\d+\.\d+\.\d+/);
    const db = api.lastCreated()!;
    const text = await readFile(join(cwd, '.env'), 'utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe(`# Claimable DB expires at: ${new Date(db.expires_at).toUTCString()}`);
    expect(lines[1]).toBe(`# Claim it now to your account: ${db.claim_url}`);
    const vars = parse(text);
    expect(Object.keys(vars)).toEqual(['DATABASE_URL', 'DATABASE_URL_DIRECT', 'PUBLIC_INSTAGRES_CLAIM_URL']);
    expect(vars.DATABASE_URL).toBe(db.connection_string);
    expect(vars.DATABASE_URL_DIRECT).toBe(db.connection_string!.replace('-pooler.', '.'));
    expect(vars.PUBLIC_INSTAGRES_CLAIM_URL).toBe(db.claim_url);
    if (process.platform !== 'win32') expect((await stat(join(cwd, '.env'))).mode & 0o777).toBe(0o600);
    // The summary is for people: no password in it.
    const password = new URL(db.connection_string!).password;
    expect(stderr).toContain(db.claim_url);
    expect(stderr).not.toContain(password);
    expect(stderr).toContain('npx get-db claim');
  });

  test('--json prints exactly one object with the documented fields', async () => {
    const cwd = await tempProject();
    const { code, stdout, stderr } = await createIn(cwd, ['--json']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!);
    const db = api.lastCreated()!;
    // Every documented field, and no other.
    expect(result).toEqual({
      ok: true,
      action: 'created',
      id: db.id,
      status: 'UNCLAIMED',
      databaseUrl: db.connection_string,
      databaseUrlDirect: db.connection_string!.replace('-pooler.', '.'),
      claimUrl: db.claim_url,
      expiresAt: new Date(db.expires_at).toISOString(),
      envFile: join(cwd, '.env'),
      keysWritten: ['DATABASE_URL', 'DATABASE_URL_DIRECT', 'PUBLIC_INSTAGRES_CLAIM_URL'],
      replaced: false,
      reason: null,
      gitignoreAdded: null,
      seed: null,
      warnings: [],
    });
  });

  test('-k, -p, -r and -L shape the request and the names', async () => {
    const cwd = await tempProject();
    const { code, stderr } = await createIn(cwd, ['-e', '.env.local', '-k', 'PG_URL', '-p', 'VITE_', '-r', 'my-template', '-L']);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(api.createRequests().at(-1)!.body)).toEqual({ ref: 'my-template', enable_logical_replication: true });
    const vars = parse(await readFile(join(cwd, '.env.local'), 'utf8'));
    expect(Object.keys(vars)).toEqual(['PG_URL', 'PG_URL_DIRECT', 'VITE_INSTAGRES_CLAIM_URL']);
  });

  test('the prefix follows the framework in package.json unless -p is given', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, 'package.json'), JSON.stringify({ dependencies: { next: '15' } }));
    expect((await createIn(cwd)).code).toBe(0);
    expect(parse(await readFile(join(cwd, '.env'), 'utf8'))).toHaveProperty('NEXT_PUBLIC_INSTAGRES_CLAIM_URL');
  });

  test('a key already in the file: -y leaves everything, creates nothing, exits 0', async () => {
    const cwd = await tempProject();
    const original = '# mine\r\nDATABASE_URL=postgres://keep@me/db\r\nOTHER=1';
    await writeFile(join(cwd, '.env'), original);
    const before = api.createRequests().length;
    const { code, stderr, stdout } = await createIn(cwd, ['--json']);
    expect(code).toBe(0);
    expect(api.createRequests().length).toBe(before);
    expect(await readFile(join(cwd, '.env'), 'utf8')).toBe(original);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, action: 'skipped', reason: 'key-exists', key: 'DATABASE_URL' });
    expect(stderr).toBe('');
    const human = await createIn(cwd);
    expect(human.stderr).toMatch(/already set/);
  });

  test('an empty assignment (an .env.example copied as it is) is skipped, and the warning says it is empty, not "set"', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, '.env'), 'DATABASE_URL=\n');
    const before = api.createRequests().length;
    const { code, stdout } = await createIn(cwd, ['--json']);
    expect(code).toBe(0);
    expect(api.createRequests().length).toBe(before);
    expect(JSON.parse(stdout)).toMatchObject({
      action: 'skipped',
      warnings: [`DATABASE_URL is in ${join(cwd, '.env')} but empty, and was left so. To fill it with a new database: npx get-db --force (the empty line stays as a comment).`],
    });
    await writeFile(join(cwd, '.env'), 'DATABASE_URL=postgres://keep@me/db\n');
    expect(JSON.parse((await createIn(cwd, ['--json'])).stdout).warnings).toEqual([]);
  });

  test('--force replaces and keeps the previous lines as dated comments; other lines stay byte-identical', async () => {
    const cwd = await tempProject();
    const original = '\uFEFFexport A="x"\r\nDATABASE_URL=postgres://old@host/db\r\nB=\'multi\r\nline\'\r\n# end';
    await writeFile(join(cwd, '.env'), original);
    const { code, stderr } = await createIn(cwd, ['--force']);
    expect(code, stderr).toBe(0);
    const text = await readFile(join(cwd, '.env'), 'utf8');
    expect(text.startsWith('\uFEFFexport A="x"\r\n')).toBe(true);
    expect(text).toContain("B='multi\r\nline'\r\n");
    expect(text).toContain('# end');
    expect(text).toMatch(/^#.*\d{4}-\d{2}-\d{2}.*DATABASE_URL=postgres:\/\/old@host\/db\r$/m);
    expect(parse(text).DATABASE_URL).toBe(api.lastCreated()!.connection_string);
  });

  test('bytes that are not UTF-8 (a Latin-1 comment, a stray 0xFF) stay byte-identical, with and without --force', async () => {
    const cwd = await tempProject();
    const original = Buffer.concat([Buffer.from('# caf'), Buffer.of(0xe9), Buffer.from(' cr\u00e8me '), Buffer.of(0xff, 0xc3), Buffer.from('\r\nNAME='), Buffer.of(0xe9, 0x74, 0xe9), Buffer.from('\r\n')]);
    await writeFile(join(cwd, '.env'), original);
    expect((await createIn(cwd)).code).toBe(0);
    const first = await readFile(join(cwd, '.env'));
    expect(first.subarray(0, original.length).equals(original)).toBe(true);
    expect(parse(first).DATABASE_URL).toBe(api.lastCreated()!.connection_string);
    expect((await createIn(cwd, ['--force'])).code).toBe(0);
    const second = await readFile(join(cwd, '.env'));
    expect(second.subarray(0, original.length).equals(original)).toBe(true);
  });

  test('the file is read again just before writing: a line added while the database was being made survives', async () => {
    const cwd = await tempProject();
    await writeFile(join(cwd, '.env'), 'FIRST=1\n');
    api.onCreate(async () => {
      await appendFile(join(cwd, '.env'), 'ADDED_MEANWHILE=2\n');
    });
    const { code, stderr } = await createIn(cwd).finally(() => api.onCreate(undefined));
    expect(code, stderr).toBe(0);
    const text = await readFile(join(cwd, '.env'), 'utf8');
    expect(text.startsWith('FIRST=1\nADDED_MEANWHILE=2\n\n# Claimable DB expires at: ')).toBe(true);
    expect(parse(text)).toMatchObject({ FIRST: '1', ADDED_MEANWHILE: '2', DATABASE_URL: api.lastCreated()!.connection_string });
  });

  test('warns when the key is set in the shell but not in the file', async () => {
    const cwd = await tempProject();
    const { code, stderr } = await createIn(cwd, [], { DATABASE_URL: 'postgres://shell/db' });
    expect(code).toBe(0);
    expect(stderr).toMatch(/already set in your shell/);
  });

  test('inside a git work tree, an unignored env file is added to .gitignore (not with --no-gitignore)', async () => {
    const cwd = await tempProject();
    execFileSync('git', ['init', '-q'], { cwd });
    await mkdir(join(cwd, 'app'));
    expect((await createIn(join(cwd, 'app'))).code).toBe(0);
    expect(await readFile(join(cwd, '.gitignore'), 'utf8')).toMatch(/^\/app\/\.env$/m);
    expect((await createIn(join(cwd, 'app'), ['-e', '.env.other', '--no-gitignore'])).code).toBe(0);
    expect(await readFile(join(cwd, '.gitignore'), 'utf8')).not.toContain('.env.other');
  });
});

describe('a seed file the seed would refuse stops the command before the API call', () => {
  // The pre-scan needs no server: nothing is created and nothing is written.
  const cases: Array<[string, string, string | Buffer, RegExp, string, number]> = [
    ['a psql meta-command (\\copy)', 'copy.sql', 'create table t (id int);\n  \\copy t from data.csv\n', /copy\.sql:2:3: the psql meta-command \\copy cannot run in a seed/, 'SEED_UNSUPPORTED', 1],
    ['a statement that cannot run in a transaction (VACUUM)', 'vacuum.sql', 'create table t (id int);\ninsert into t values (1); VACUUM t;\n', /vacuum\.sql:2:27: VACUUM cannot run inside a transaction/, 'SEED_UNSUPPORTED', 1],
    ['gzip data cut short', 'broken.sql.gz', gzipSync('create table t (id int);\n'.repeat(1000)).subarray(0, 40), /broken\.sql\.gz starts as gzip data but is not valid gzip/, 'SEED_FILE_UNREADABLE', 2],
  ];
  for (const [name, file, content, message, errorCode, exitCode] of cases) {
    test(name, async () => {
      const cwd = await tempProject();
      await writeFile(join(cwd, file), content);
      const before = api.createRequests().length;
      const human = await createIn(cwd, ['--seed', file]);
      expect(human.code, human.stderr).toBe(exitCode);
      expect(human.stderr).toMatch(message);
      expect(human.stderr).toMatch(/No database was created\./);
      expect(human.stderr).not.toMatch(/\n\s+at |claim it to keep it/);
      const json = await createIn(cwd, ['--seed', file, '--json']);
      expect(json.code).toBe(exitCode);
      const { error } = JSON.parse(json.stdout);
      expect(error).toMatchObject({ code: errorCode, message: expect.stringMatching(message), details: { file: join(cwd, file) } });
      expect(error.details.databaseId).toBeUndefined();
      expect(api.createRequests().length).toBe(before);
      await expect(stat(join(cwd, '.env'))).rejects.toThrow(/ENOENT/);
    });
  }
});

describe('API failures', () => {
  test('a documented 400 shows the server message and hint, exit 1, no file', async () => {
    const cwd = await tempProject();
    api.fail(1, 400, { error: 'Missing referrer', hint: 'Pass a ref in the request body.' });
    const { code, stderr, stdout } = await createIn(cwd, ['--json']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).error).toMatchObject({ code: 'API_ERROR', message: expect.stringMatching(/Missing referrer/), hint: expect.stringMatching(/ref/) });
    expect(stderr).toBe('');
    await expect(stat(join(cwd, '.env'))).rejects.toThrow();
  });

  test('an HTML answer is an unexpected response with the HTTP status', async () => {
    const cwd = await tempProject();
    api.html(1, 502);
    api.html(10, 502);
    const { code, stderr } = await createIn(cwd);
    expect(code).toBe(1);
    expect(stderr).toMatch(/nexpected response.*HTTP 502/);
    api.resetScript();
  });

  test('an unreachable API: one clear line, exit 1, no stack trace; DEBUG=get-db shows it', async () => {
    const cwd = await tempProject();
    const { code, stderr } = await runCli(['-y', '--api-url', 'http://127.0.0.1:9/api/v1'], { cwd, env: { GET_DB_HTTP_RETRIES: '0' } });
    expect(code).toBe(1);
    expect(stderr).toMatch(/127\.0\.0\.1/);
    expect(stderr).not.toMatch(/\n\s+at /);
    const debug = await runCli(['-y', '--api-url', 'http://127.0.0.1:9/api/v1'], { cwd, env: { GET_DB_HTTP_RETRIES: '0', DEBUG: 'get-db' } });
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  test('ENV_WRITE_FAILED after the create: exit 1, the lines and the database in the JSON and the human text', async () => {
    const cwd = await tempProject();
    // The file turns into a folder while the database is being made.
    api.onCreate(async () => {
      await mkdir(join(cwd, '.env'));
    });
    const json = await createIn(cwd, ['--json']).finally(() => api.onCreate(undefined));
    expect(json.code).toBe(1);
    const db = api.lastCreated()!;
    const { error } = JSON.parse(json.stdout);
    expect(error).toMatchObject({ code: 'ENV_WRITE_FAILED', details: { databaseId: db.id, claimUrl: db.claim_url, envFile: join(cwd, '.env') } });
    expect(error.details.lines).toContain(`DATABASE_URL='${db.connection_string}'`);
    const cwd2 = await tempProject();
    api.onCreate(async () => {
      await mkdir(join(cwd2, '.env'));
    });
    const human = await createIn(cwd2).finally(() => api.onCreate(undefined));
    expect(human.code).toBe(1);
    const again = api.lastCreated()!;
    expect(human.stderr).toContain(`Database ${again.id}; claim it to keep it: ${again.claim_url}`);
    expect(human.stderr).toContain(`DATABASE_URL='${again.connection_string}'`);
  });

  test('a hung API times out instead of hanging', async () => {
    const cwd = await tempProject();
    api.hang(5);
    const { code, stderr } = await createIn(cwd, [], { GET_DB_HTTP_TIMEOUT_MS: '500', GET_DB_HTTP_RETRIES: '0' });
    api.resetScript();
    expect(code).toBe(1);
    expect(stderr).toMatch(/timed out|did not answer/i);
  });
});
