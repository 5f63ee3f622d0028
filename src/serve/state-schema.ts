/**
 * Where `get-db serve` keeps its state: a schema of its own in the admin database, so
 * several processes behind a load balancer share it and a restart loses nothing.
 */
import type pg from 'pg';

export const SCHEMA = 'get_db_serve';
/** Every role serve makes is a member, so pg_hba can name them all: `+get_db_serve_users`. */
export const USERS_GROUP = 'get_db_serve_users';
const VERSION = 1;

// `state`: PENDING (being made) → UNCLAIMED → CLAIMED, or → DELETING (being dropped).
// The API answers "not found" for PENDING and DELETING. A claim is one transaction, so
// the API's transient CLAIMING status never shows.
const MIGRATION = `
CREATE SCHEMA IF NOT EXISTS ${SCHEMA};
REVOKE ALL ON SCHEMA ${SCHEMA} FROM PUBLIC;
CREATE TABLE IF NOT EXISTS ${SCHEMA}.meta (version int NOT NULL);
CREATE TABLE IF NOT EXISTS ${SCHEMA}.databases (
  id uuid PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('PENDING', 'UNCLAIMED', 'CLAIMED', 'DELETING')),
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
CREATE INDEX IF NOT EXISTS databases_by_expiry ON ${SCHEMA}.databases (expires_at) WHERE state = 'UNCLAIMED';
CREATE UNLOGGED TABLE IF NOT EXISTS ${SCHEMA}.rate_windows (
  client text NOT NULL,
  window_start timestamptz NOT NULL,
  count int NOT NULL,
  PRIMARY KEY (client, window_start)
);
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${USERS_GROUP}') THEN
    CREATE ROLE ${USERS_GROUP} NOLOGIN;
  END IF;
END $$;
`;

/** Idempotent; a transaction-level advisory lock makes processes starting together take turns. */
export async function migrateState(client: pg.ClientBase): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('${SCHEMA}.migrate'))`);
    await client.query(MIGRATION);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.meta`);
    const found = rows[0]?.version;
    if (found === undefined) await client.query(`INSERT INTO ${SCHEMA}.meta (version) VALUES (${VERSION})`);
    else if (found > VERSION) throw new Error(`its state was written by a newer get-db serve (schema version ${found}); upgrade get-db`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
