/**
 * Where `get-db serve` keeps its state: a schema of its own, so several processes behind
 * a load balancer share it and a restart loses nothing. Coordination uses row locks on
 * tables in that schema, never advisory locks: PUBLIC has no access to the schema, while
 * any role that may connect to the database can take (or see) any advisory lock.
 */
import type pg from 'pg';

export const SCHEMA = 'get_db_serve';
/** Every role serve makes is a member, so pg_hba can name them all: `+get_db_serve_users`. */
export const USERS_GROUP = 'get_db_serve_users';
const VERSION = 2;

const USERS_GROUP_SQL = `DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${USERS_GROUP}') THEN
    CREATE ROLE ${USERS_GROUP} NOLOGIN;
  END IF;
END $$;`;

/**
 * The group every tenant role joins, on a server that holds no state (the state's
 * migration makes it on the first). Another process making it at the same moment wins.
 *
 * @example
 * await ensureUsersGroup(client);
 */
export async function ensureUsersGroup(client: Pick<pg.ClientBase, 'query'>): Promise<void> {
  await client.query(USERS_GROUP_SQL).catch((error: { code?: string }) => {
    if (!RACE_LOST.has(error.code ?? '')) throw error;
  });
}

// `state`: PENDING (being made) → UNCLAIMED → CLAIMED, or → DELETING (being dropped);
// for the warm pool PENDING → READY (made, no login, no id shown yet) → UNCLAIMED at hand-out.
// The API answers "not found" for PENDING and DELETING. A claim is one transaction, so
// the API's transient CLAIMING status never shows. `creator_*` name the session making a
// PENDING row: once that session is gone, the create died with it.
const TABLES = `
CREATE TABLE IF NOT EXISTS ${SCHEMA}.meta (version int NOT NULL);
CREATE TABLE IF NOT EXISTS ${SCHEMA}.leases (name text PRIMARY KEY);
INSERT INTO ${SCHEMA}.leases (name) VALUES ('sweep'), ('create'), ('pool'), ('guard'), ('claim') ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS ${SCHEMA}.databases (
  id uuid PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('PENDING', 'READY', 'UNCLAIMED', 'CLAIMED', 'DELETING')),
  name text NOT NULL UNIQUE,
  password text,
  referrer text NOT NULL,
  logical_replication boolean NOT NULL DEFAULT false,
  read_only boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  claimed_at timestamptz
);
ALTER TABLE ${SCHEMA}.databases ADD COLUMN IF NOT EXISTS creator_pid int;
ALTER TABLE ${SCHEMA}.databases ADD COLUMN IF NOT EXISTS creator_started timestamptz;
-- The PostgreSQL server (host:port of its admin URL) the database lives on.
ALTER TABLE ${SCHEMA}.databases ADD COLUMN IF NOT EXISTS server text;
-- Version 2 adds READY (the warm pool); an older serve refuses to start on this state.
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_constraint WHERE conrelid = '${SCHEMA}.databases'::regclass
                 AND conname = 'databases_state_check' AND pg_get_constraintdef(oid) LIKE '%READY%') THEN
    ALTER TABLE ${SCHEMA}.databases DROP CONSTRAINT IF EXISTS databases_state_check;
    ALTER TABLE ${SCHEMA}.databases ADD CONSTRAINT databases_state_check CHECK (state IN ('PENDING', 'READY', 'UNCLAIMED', 'CLAIMED', 'DELETING'));
  END IF;
END $$;
CREATE INDEX IF NOT EXISTS databases_ready ON ${SCHEMA}.databases (created_at) WHERE state = 'READY';
CREATE INDEX IF NOT EXISTS databases_by_expiry ON ${SCHEMA}.databases (expires_at) WHERE state = 'UNCLAIMED';
-- Switches an operator sets for every serve process on this state (e.g. creates_paused).
CREATE TABLE IF NOT EXISTS ${SCHEMA}.settings (
  name text PRIMARY KEY,
  value text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNLOGGED TABLE IF NOT EXISTS ${SCHEMA}.rate_windows (
  client text NOT NULL,
  window_start timestamptz NOT NULL,
  count int NOT NULL,
  PRIMARY KEY (client, window_start)
);
${USERS_GROUP_SQL}
`;

/** Another process made the same object at the same moment: run again, it is there now. */
const RACE_LOST = new Set(['23505', '42P06', '42P07', '42710']);

async function migrateOnce(client: pg.ClientBase): Promise<void> {
  await client.query('BEGIN');
  try {
    // CREATE SCHEMA checks the CREATE right even when the schema exists: ask first.
    const { rows } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [SCHEMA]);
    if (rows.length === 0) await client.query(`CREATE SCHEMA ${SCHEMA}; REVOKE ALL ON SCHEMA ${SCHEMA} FROM PUBLIC`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.meta (version int NOT NULL)`);
    // Processes starting together take turns here; no tenant can lock this table.
    await client.query(`LOCK TABLE ${SCHEMA}.meta IN SHARE ROW EXCLUSIVE MODE`);
    await client.query(TABLES);
    const { rows: found } = await client.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.meta`);
    const version = found[0]?.version;
    if (version === undefined) await client.query(`INSERT INTO ${SCHEMA}.meta (version) VALUES (${VERSION})`);
    else if (version < VERSION) await client.query(`UPDATE ${SCHEMA}.meta SET version = ${VERSION}`);
    else if (version > VERSION) throw new Error(`its state was written by a newer get-db serve (schema version ${version}); upgrade get-db`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Idempotent, and safe with several processes starting at once.
 *
 * @example
 * await migrateState(client);
 */
export async function migrateState(client: pg.ClientBase): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrateOnce(client);
    } catch (error) {
      if (attempt >= 5 || !RACE_LOST.has((error as { code?: string }).code ?? '')) throw error;
    }
  }
}

/**
 * Runs `work` while holding the named lease (a row lock on a session of its own), or
 * returns undefined at once when another process holds it. The lock goes with the
 * session, so a process that dies releases it.
 *
 * @example
 * await withLease(pool, 'sweep', () => sweep());
 */
export async function withLease<T>(pool: pg.Pool, name: string, work: () => Promise<T>): Promise<T | undefined> {
  const holder = await pool.connect();
  let failed: Error | undefined;
  try {
    await holder.query('BEGIN');
    await holder.query('SET LOCAL idle_in_transaction_session_timeout = 0');
    const { rows } = await holder.query(`SELECT name FROM ${SCHEMA}.leases WHERE name = $1 FOR UPDATE SKIP LOCKED`, [name]);
    if (rows.length === 0) return undefined;
    return await work();
  } catch (error) {
    failed = error as Error;
    throw error;
  } finally {
    await holder.query('ROLLBACK').catch(() => {});
    holder.release(failed);
  }
}
