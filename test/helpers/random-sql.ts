/**
 * Random SQL scripts for the splitter's randomised test: every statement is valid SQL
 * that runs on a fresh database, and mixes the lexical traps (';' and quotes inside
 * strings, dollar quotes with tags, comments, E-strings, quoted identifiers,
 * BEGIN ATOMIC bodies). The script is returned with the exact statements in it.
 */
import { pick } from './splitter.js';

type Random = () => number;

const TRAPS = [";", "'", '"', '$', '$$', '$x$', '\\', '--', '/*', '*/', '(', ')', '\n', '\r\n', 'é', '😀', 'begin', 'end'];

function content(random: Random, max = 8): string {
  let out = '';
  const parts = Math.floor(random() * max);
  for (let i = 0; i < parts; i++) out += random() < 0.5 ? pick(random, TRAPS) : pick(random, ['a', 'b c', 'x1', ' ', 'Z']);
  return out;
}

const standardString = (text: string): string => `'${text.replaceAll("'", "''")}'`;
const escapeString = (random: Random, text: string): string =>
  `${pick(random, ['E', 'e'])}'${text.replaceAll('\\', '\\\\').replaceAll("'", () => (random() < 0.5 ? "\\'" : "''"))}'`;
const quotedIdent = (text: string): string => `"${text.replaceAll('\0', '').replaceAll('"', '""') || 'q'}"`;

function dollarString(random: Random, text: string): string {
  for (;;) {
    const tag = `$${random() < 0.3 ? '' : pick(random, ['a', 'tag', '_x1', 'body', 'é'])}$`;
    // The body must not close early: its first tag occurrence is the closing one.
    if ((text + tag).indexOf(tag) === text.length) return `${tag}${text}${tag}`;
    text = text.replaceAll('$', '');
  }
}

function literal(random: Random): string {
  const text = content(random);
  switch (Math.floor(random() * 5)) {
    case 0: return standardString(text);
    case 1: return escapeString(random, text);
    case 2: return dollarString(random, text);
    case 3: return `U&${standardString(text.replaceAll('\\', ''))}`;
    default: return String(Math.floor(random() * 1000));
  }
}

/** Blanks or a comment (with traps) where a space may go. */
function gap(random: Random): string {
  const r = random();
  if (r < 0.6) return ' ';
  if (r < 0.75) return pick(random, ['\n', '\r\n', '\t', '  ']);
  if (r < 0.88) return ` /* ${content(random, 4).replaceAll('*/', '').replaceAll('/*', '')} /* nested; */ */ `;
  return ` -- ${content(random, 4).replaceAll('\n', ' ').replaceAll('\r', ' ')}\n`;
}

export interface RandomScript {
  text: string;
  statements: string[];
}

class ScriptWriter {
  private tables = 0;
  private routines = 0;
  constructor(private readonly random: Random) {}

  statement(): string {
    const random = this.random;
    const g = () => gap(random);
    const kind = Math.floor(random() * 6);
    if (kind === 0 || this.tables === 0) {
      const table = `t${++this.tables}`;
      return `CREATE${g()}TABLE ${table} (id int,${g()}${quotedIdent(content(random, 3))} text);`;
    }
    const table = `t${1 + Math.floor(random() * this.tables)}`;
    if (kind === 1) return `INSERT INTO ${table} VALUES (1,${g()}${literal(random)}::text), (2, ${literal(random)}::text);`;
    if (kind === 2) return `DO ${dollarString(random, ` BEGIN PERFORM ${standardString(content(random))}; INSERT INTO ${table} VALUES (3, 'do;'); END `)};`;
    if (kind === 3) return this.atomicRoutine(table);
    if (kind === 4) return `SELECT count(*)${g()}FROM ${table};`;
    const columns = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, i) => `${literal(random)}::text AS ${quotedIdent(`c${i};${content(random, 2)}`)}`);
    return `SELECT${g()}${columns.join(`,${g()}`)}${g()}, (1 + (2));`;
  }

  /** CREATE [OR REPLACE] FUNCTION/PROCEDURE … BEGIN ATOMIC … END, and its use. */
  private atomicRoutine(table: string): string {
    const random = this.random;
    const name = `r${++this.routines}`;
    const orReplace = random() < 0.5 ? 'OR REPLACE ' : '';
    const insert = `INSERT INTO ${table} VALUES (4, ${standardString(content(random))});`;
    if (random() < 0.5) {
      return `CREATE ${orReplace}PROCEDURE ${name}() LANGUAGE sql${gap(random)}BEGIN ATOMIC ${insert}${gap(random)}${insert} END;`;
    }
    return `CREATE ${orReplace}FUNCTION ${name}(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC ${insert} SELECT CASE WHEN a > 0 THEN a + 1 ELSE 0 END; END;`;
  }
}

/** Statements joined by blanks and comments; the last one may lack its ';'. */
export function randomScript(random: Random, count: number): RandomScript {
  const writer = new ScriptWriter(random);
  const statements = Array.from({ length: count }, () => writer.statement());
  if (random() < 0.3) statements[count - 1] = statements[count - 1]!.slice(0, -1);
  const separators = () => pick(random, ['', '\n', '\r\n', ' ', '\n\n', '\n-- a; "b\' $$\n', '\n/* x; /* y\'; */ */\n']);
  const text = separators() + statements.map((statement) => statement + separators()).join('');
  return { text, statements };
}
