/**
 * The seed bench's inputs, generated: small statements, a pg_dump-shaped COPY script, and a
 * custom-format archive of that script made by the real pg_dump (from a PostgreSQL of its own
 * major, as test/helpers/dumps.ts does).
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { startEmbeddedPostgres } from '../src/serve/postgres/embedded.js';
import { pgDumpMajor, sourcePackage } from '../test/helpers/dumps.js';
import { inDatabase, superQuery } from '../test/helpers/serve-admin.js';

async function writeLines(path: string, produce: (write: (text: string) => Promise<void>) => Promise<void>): Promise<void> {
  const out = createWriteStream(path);
  let pending: string[] = [];
  let size = 0;
  const flush = async () => {
    if (!out.write(pending.join(''))) await once(out, 'drain');
    pending = [];
    size = 0;
  };
  await produce(async (text) => {
    pending.push(text);
    size += text.length;
    if (size > 1 << 20) await flush();
  });
  await flush();
  out.end();
  await once(out, 'finish');
}

export function smallStatements(path: string, statements: number): Promise<void> {
  return writeLines(path, async (write) => {
    await write('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2), updated_at timestamptz);\n');
    for (let i = 1; i < statements; i++) {
      await write(i % 10 === 0
        ? `UPDATE items SET price = price * 1.1, updated_at = '2024-01-01' WHERE id = ${i - 5};\n`
        : `INSERT INTO items (id, name, price) VALUES (${i}, 'item ''${i}''', ${(i % 997) / 4});\n`);
    }
  });
}

const DUMP_HEADER = `--
-- PostgreSQL database dump
--

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET client_min_messages = warning;

CREATE TABLE public.users (id bigint NOT NULL, email text NOT NULL, name text, bio text, created_at timestamp with time zone);
CREATE TABLE public.orders (id bigint NOT NULL, user_id bigint NOT NULL, amount numeric(12,2), status text, placed_at timestamp with time zone);
CREATE TABLE public.events (id bigint NOT NULL, user_id bigint NOT NULL, kind text, payload jsonb, at timestamp with time zone);

`;

const DUMP_FOOTER = `
ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.events ADD CONSTRAINT events_pkey PRIMARY KEY (id);
CREATE INDEX orders_user_id_idx ON public.orders USING btree (user_id);
ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

--
-- PostgreSQL database dump complete
--
`;

/** A pg_dump-shaped plain script: three tables, COPY blocks (~1/10, 2/10, 7/10 of the bytes), then keys. */
export function copyDump(path: string, megabytes: number): Promise<void> {
  const users = Math.round(megabytes * 1300);
  const orders = Math.round(megabytes * 7000);
  const events = Math.round(megabytes * 8000);
  const stamp = (i: number) => `2024-0${1 + (i % 9)}-1${i % 10} 12:${10 + (i % 50)}:00+00`;
  return writeLines(path, async (write) => {
    await write(DUMP_HEADER);
    await write('COPY public.users (id, email, name, bio, created_at) FROM stdin;\n');
    for (let i = 1; i <= users; i++) await write(`${i}\tuser${i}@example.com\tUser Nümber ${i}\tLikes\\ttabs and\\nnew lines; ${'x'.repeat(i % 20)}\t${stamp(i)}\n`);
    await write('\\.\n\n\nCOPY public.orders (id, user_id, amount, status, placed_at) FROM stdin;\n');
    for (let i = 1; i <= orders; i++) await write(`${i}\t${1 + (i % users)}\t${(i % 10007) / 100}\t${i % 3 ? 'paid' : 'new'}\t${stamp(i)}\n`);
    await write('\\.\n\n\nCOPY public.events (id, user_id, kind, payload, at) FROM stdin;\n');
    for (let i = 1; i <= events; i++) await write(`${i}\t${1 + (i % users)}\tclick\t{"page": "/p/${i % 500}", "ms": ${i % 900}, "tags": ["a", "b"]}\t${stamp(i)}\n`);
    await write(`\\.\n${DUMP_FOOTER}`);
  });
}

/**
 * A custom-format archive (pg_dump -Fc) of the script at `script`: loaded with psql into a
 * PostgreSQL that the pg_dump on PATH can dump, then dumped.
 */
export async function customArchive(script: string, path: string): Promise<void> {
  const source = await startEmbeddedPostgres({ packageName: sourcePackage(pgDumpMajor()) });
  try {
    await superQuery(source.adminUrl, 'CREATE DATABASE archive');
    const url = inDatabase(source.adminUrl, 'archive');
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-1', '-d', url, '-f', script], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('pg_dump', ['-Fc', '-d', url, '-f', path]);
  } finally {
    await source.stop();
  }
}
