/**
 * Splitter throughput on generated input held in memory (so only the splitter is timed),
 * fed in 64 KiB chunks as the seed's file reader does: a COPY-heavy pg_dump-like script
 * and a statement-heavy one (INSERTs, functions with dollar quotes, comments).
 * Run: npx tsx bench/splitter.ts [megabytes]
 */
import { splitSql } from '../src/seed/splitter.js';

const MB = Number(process.argv[2] ?? 50);
const CHUNK = 64 * 1024;

function build(target: number, piece: (i: number) => string): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < target; i++) {
    const text = piece(i);
    parts.push(text);
    size += text.length;
  }
  return parts.join('');
}

function copyHeavy(target: number): string {
  const rows = (i: number) => Array.from({ length: 1000 }, (_, r) =>
    `${i * 1000 + r}\tuser${r}@example.com\tName ${r}; with 'quotes' and \\t tabs\t2024-01-0${1 + (r % 9)} 10:00:00+00\n`).join('');
  return build(target, (i) => `CREATE TABLE t${i} (id bigint, email text, name text, at timestamptz);\nCOPY public.t${i} (id, email, name, at) FROM stdin;\n${rows(i)}\\.\n\n`);
}

function statementHeavy(target: number): string {
  return build(target, (i) => i % 10 === 0
    ? `CREATE FUNCTION f${i}() RETURNS text LANGUAGE plpgsql AS $body$\nBEGIN\n  -- a comment; with a semicolon\n  RETURN 'x;y';\nEND\n$body$;\n`
    : `INSERT INTO items (id, name, note) VALUES (${i}, 'item ''${i}''', E'line\\n${i}'); /* c */\n`);
}

async function measure(name: string, text: string): Promise<void> {
  const bytes = Buffer.from(text);
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += CHUNK) yield bytes.subarray(i, i + CHUNK);
  }
  const started = performance.now();
  let items = 0;
  for await (const _ of splitSql(chunks())) items++;
  const seconds = (performance.now() - started) / 1000;
  const megabytes = text.length / 1024 / 1024;
  console.log(`${name}: ${megabytes.toFixed(0)} MB, ${items} items, ${seconds.toFixed(2)} s, ${(megabytes / seconds).toFixed(0)} MB/s`);
}

await measure('COPY-heavy', copyHeavy(MB * 1024 * 1024));
await measure('statement-heavy', statementHeavy(MB * 1024 * 1024));
