/** The pure parts of reading a seed: folder order, psql variables, a dump's role statements, file kinds. */
import { describe, expect, test } from 'vitest';
import { byteKind } from '../src/seed/byte-kinds.js';
import { databaseStatement, roleConcern } from '../src/seed/dump-statements.js';
import { declaredEncoding } from '../src/seed/encodings.js';
import { naturalPathOrder, planFolder } from '../src/seed/folder-order.js';
import { interpolate } from '../src/seed/psql-variables.js';

describe('folder order', () => {
  test('natural order, folder by folder; numbers by value; down migrations left out', () => {
    expect(['10_c.sql', '2_b.sql', '1_a.sql', '01_a2.sql'].sort(naturalPathOrder)).toEqual(['1_a.sql', '01_a2.sql', '2_b.sql', '10_c.sql']);
    expect(planFolder(['m/20240215_b/migration.sql', 'm/20240101_a/migration.sql', 'm/migration_lock.toml', 'm/9_x/migration.sql']).run)
      .toEqual(['m/9_x/migration.sql', 'm/20240101_a/migration.sql', 'm/20240215_b/migration.sql']);
    expect(planFolder(['1_a.up.sql', '1_a.down.sql', '2/up.sql', '2/down.sql', 'x.sql.gz'])).toEqual({
      run: ['1_a.up.sql', '2/up.sql', 'x.sql.gz'],
      left: [{ path: '1_a.down.sql', why: 'a down migration' }, { path: '2/down.sql', why: 'a down migration' }],
      style: 'natural',
    });
  });

  test("Flyway: versions as Flyway compares them, then repeatables; undo and others left out", () => {
    const plan = planFolder(['V2__b.sql', 'V1_1__a.sql', 'V1__init.sql', 'V1.10__c.sql', 'V1.2__d.sql', 'R__z.sql', 'R__a.sql', 'U2__b.sql', 'readme.sql']);
    expect(plan.run).toEqual(['V1__init.sql', 'V1_1__a.sql', 'V1.2__d.sql', 'V1.10__c.sql', 'V2__b.sql', 'R__a.sql', 'R__z.sql']);
    expect(plan.left.map((file) => file.path)).toEqual(['U2__b.sql', 'readme.sql']);
  });
});

describe('psql variables', () => {
  const vars = new Map([['t', 'people'], ['who', "O'Brien"], ['id', 'My "Table"'], ['n', '7']]);
  test.each([
    ['SELECT :n, :\'who\', :"id";', `SELECT 7, 'O''Brien', "My ""Table""";`],
    ["SELECT ':n', $$:n$$, $q$ :n $q$, \"a:n\", E'\\':n' -- :n\n/* :n /* :n */ */ ;", "SELECT ':n', $$:n$$, $q$ :n $q$, \"a:n\", E'\\':n' -- :n\n/* :n /* :n */ */ ;"],
    ['SELECT 1::int, :unset, :\'unset\', a:n', 'SELECT 1::int, :unset, :\'unset\', a7'],
    ['INSERT INTO :t VALUES (:n)', 'INSERT INTO people VALUES (7)'],
  ])('%s', (sql, expected) => {
    expect(interpolate(sql, vars)).toBe(expected);
  });
});

describe("a dump's statements about roles and databases", () => {
  test.each([
    ['ALTER TABLE public.t OWNER TO postgres;', { kind: 'owner', role: 'postgres' }],
    ['ALTER FUNCTION public.f(a integer, b text) OWNER TO "Weird Role";', { kind: 'owner', role: 'Weird Role' }],
    ['ALTER TABLE t ADD COLUMN owner text;', undefined],
    ['ALTER TABLE t OWNER TO CURRENT_USER;', undefined],
    ['GRANT SELECT ON TABLE public.t TO app_reader;', { kind: 'grant', label: 'GRANT', grantees: ['app_reader'], asRoles: [] }],
    ['GRANT ALL ON FUNCTION f(to_date date) TO PUBLIC, GROUP "Ops", bob WITH GRANT OPTION GRANTED BY alice;', { kind: 'grant', label: 'GRANT', grantees: ['Ops', 'bob'], asRoles: ['alice'] }],
    ['REVOKE ALL ON SCHEMA public FROM PUBLIC;', { kind: 'grant', label: 'REVOKE', grantees: [], asRoles: [] }],
    ['ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA shop GRANT SELECT ON TABLES  TO app_reader;', { kind: 'grant', label: 'ALTER DEFAULT PRIVILEGES', grantees: ['app_reader'], asRoles: ['postgres'] }],
    ['SET SESSION AUTHORIZATION postgres;', { kind: 'session', label: 'SET SESSION AUTHORIZATION' }],
    ['RESET ROLE;', { kind: 'session', label: 'SET ROLE' }],
    ['SET LOCAL ROLE admin;', { kind: 'session', label: 'SET ROLE' }],
    ['SET session_replication_role = replica;', { kind: 'session', label: 'SET session_replication_role' }],
    ['SET search_path = public;', undefined],
  ])('%s', (sql, concern) => {
    expect(roleConcern(sql)).toEqual(concern);
  });

  test('statements about a database, with where its name is', () => {
    expect(databaseStatement('CREATE DATABASE shop WITH TEMPLATE = template0;')).toMatchObject({ action: 'create', name: 'shop' });
    expect(databaseStatement('DROP DATABASE IF EXISTS "Shop";')).toMatchObject({ action: 'drop', name: 'Shop' });
    const alter = "ALTER DATABASE shop SET search_path TO 'shop', 'public';";
    const found = databaseStatement(alter)!;
    expect(alter.slice(found.start, found.end)).toBe('shop');
    expect(databaseStatement('COMMENT ON DATABASE shop IS $$x$$;')).toMatchObject({ action: 'comment', name: 'shop' });
    expect(databaseStatement('GRANT CONNECT ON DATABASE shop TO app;')).toMatchObject({ action: 'grant', name: 'shop' });
    expect(databaseStatement('GRANT SELECT ON TABLE database TO app;')).toBeUndefined();
  });
});

describe('what a file is, by its bytes', () => {
  test.each([
    [[0x1f, 0x8b, 8, 0], 'gzip'],
    [[...Buffer.from('PGDMP'), 1, 14], 'archive'],
    [[0xff, 0xfe, 0, 0, 0x41, 0, 0, 0], 'text'],
    [[0x50, 0x4b, 3, 4], 'binary'],
    [[...Buffer.from('SELECT 1;')], 'text'],
  ])('%j is %s', (bytes, kind) => {
    expect(byteKind(Buffer.from(bytes)).kind).toBe(kind);
  });

  test('a tar archive by the magic at 257; UTF-32LE before UTF-16LE; the declared encoding', () => {
    const tar = Buffer.alloc(512);
    tar.write('ustar', 257);
    expect(byteKind(tar)).toEqual({ kind: 'archive', format: 'tar' });
    expect(byteKind(Buffer.from([0xff, 0xfe, 0, 0]))).toMatchObject({ encoding: 'utf-32le', bomLength: 4 });
    expect(declaredEncoding(Buffer.from("--\n-- dump\n--\n\nSET statement_timeout = 0;\nSET client_encoding = 'WIN1252';\n"))).toBe('WIN1252');
    expect(declaredEncoding(Buffer.from("SELECT 'SET client_encoding = LATIN1;';"))).toBeUndefined();
    // What a statement may set, the head may declare: SET NAMES is the same setting.
    expect(declaredEncoding(Buffer.from("SET NAMES 'LATIN1';\nCREATE TABLE t (s text);\n"))).toBe('LATIN1');
  });
});
