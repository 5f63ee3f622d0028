/**
 * serve's state, as its SQL runs on a real PostgreSQL: what the reaper is handed, and what
 * counts against --max-databases. A schema of serve's own in a fresh database per test.
 */
import { randomUUID } from 'node:crypto';
import { inject, expect, test } from 'vitest';
import { pgConfigFromUrl } from '../src/seed/pg-config.js';
import { migrateState } from '../src/serve/state/state-schema.js';
import { insertPending, takeForDeletion, TABLE } from '../src/serve/state/store.js';
import { freshDatabase, withClient } from './helpers/seed.js';

/** A session in a fresh database holding serve's state, with `expired` unclaimed rows past their expiry. */
async function withState<T>(expired: number, work: (client: import('pg').Client) => Promise<T>): Promise<T> {
  const db = await freshDatabase();
  return withClient({ ...pgConfigFromUrl(inject('postgres').adminUrl), database: db.name }, async (client) => {
    await migrateState(client);
    for (let i = 0; i < expired; i++) {
      await client.query(
        `INSERT INTO ${TABLE} (id, state, name, referrer, server, expires_at) VALUES ($1, 'UNCLAIMED', $2, 'test', 'db:5432', now() - interval '1 minute')`,
        [randomUUID(), `gdb_test_${i}`],
      );
    }
    return work(client);
  });
}

const deleting = async (client: import('pg').Client) =>
  (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${TABLE} WHERE state = 'DELETING'`)).rows[0]!.n;

test('a sweep that stops early leaves its batch DELETING; the next is handed the same rows, and no more are marked', async () => {
  await withState(7, async (client) => {
    const first = await takeForDeletion(client, 3);
    expect(first).toHaveLength(3);
    // Nothing dropped (a stop, or the sweep's time ran out): the same three again, and still three DELETING.
    const again = await takeForDeletion(client, 3);
    expect(again.map((row) => row.id).sort()).toEqual(first.map((row) => row.id).sort());
    expect(await deleting(client)).toBe(3);
    // Rows this sweep already tried (a failed drop) do not hold up the others.
    const past = await takeForDeletion(client, 3, first.map((row) => row.id));
    expect(past).toHaveLength(3);
    expect(past.some((row) => first.some((tried) => tried.id === row.id))).toBe(false);
    expect(await deleting(client)).toBe(6);
  });
});

test('--max-databases counts every database still on the server, those being dropped included', async () => {
  await withState(2, async (client) => {
    await takeForDeletion(client, 1); // one DELETING, one expired and waiting
    const full = insertPending(client, { id: randomUUID(), name: 'gdb_test_new', password: 'x', referrer: 'test', logicalReplication: false }, [{ key: 'db:5432', maxDatabases: 2 }]);
    await expect(full).rejects.toThrow(/maximum of databases/);
    const room = await insertPending(client, { id: randomUUID(), name: 'gdb_test_new', password: 'x', referrer: 'test', logicalReplication: false }, [{ key: 'db:5432', maxDatabases: 3 }]);
    expect(room).toBe('db:5432');
  });
});
