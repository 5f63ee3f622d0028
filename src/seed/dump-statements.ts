/**
 * The statements of a dump that name roles or databases, read well enough to decide what the
 * new database can run: `ALTER … OWNER TO`, `GRANT`/`REVOKE` (and `ALTER DEFAULT PRIVILEGES`),
 * `SET SESSION AUTHORIZATION`, `SET ROLE`, `SET session_replication_role`, and the statements
 * `pg_dump --create` writes about its own database. Pure; a small tokenizer of statement
 * heads (quotes, comments and parentheses understood), no full SQL parser.
 */
import { leadingWords } from './classify.js';

interface Token {
  /** Upper case for a bare word, '' otherwise. */
  word: string;
  /** An identifier's value: a bare word folded to lower case, a quoted one as written. */
  name: string;
  start: number;
  end: number;
  depth: number;
  /** A "quoted identifier". */
  quoted: boolean;
}

const MAX_TOKENS = 400;

function skipQuote(sql: string, i: number, quote: string): number {
  for (let k = i + 1; k < sql.length; k++) {
    if (sql[k] === quote) {
      if (sql[k + 1] !== quote) return k + 1;
      k++;
    }
  }
  return sql.length;
}

function skipComment(sql: string, i: number): number {
  if (sql[i] === '-') {
    const end = sql.indexOf('\n', i);
    return end === -1 ? sql.length : end + 1;
  }
  let depth = 0;
  for (let k = i; k < sql.length - 1; k++) {
    if (sql[k] === '/' && sql[k + 1] === '*') (depth++, k++);
    else if (sql[k] === '*' && sql[k + 1] === '/' && (k++, --depth === 0)) return k + 1;
  }
  return sql.length;
}

/** The tokens of a statement's head: words, quoted names, punctuation; strings and comments skipped. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  for (let i = 0; i < sql.length && tokens.length < MAX_TOKENS; ) {
    const c = sql[i]!;
    if (/\s/.test(c)) i++;
    else if ((c === '-' && sql[i + 1] === '-') || (c === '/' && sql[i + 1] === '*')) i = skipComment(sql, i);
    else if (c === "'") i = skipQuote(sql, i, "'");
    else if (c === '"') {
      const end = skipQuote(sql, i, '"');
      tokens.push({ word: '', name: sql.slice(i + 1, end - 1).replace(/""/g, '"'), start: i, end, depth, quoted: true });
      i = end;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const word = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(i, i + 128))![0];
      tokens.push({ word: word.toUpperCase(), name: word.toLowerCase(), start: i, end: i + word.length, depth, quoted: false });
      i += word.length;
    } else {
      if (c === '(') depth++;
      if (c === ')') depth = Math.max(0, depth - 1);
      tokens.push({ word: '', name: c, start: i, end: i + 1, depth, quoted: false });
      i++;
    }
  }
  return tokens;
}

/** Role names that always exist for a GRANT: PUBLIC and the session's own. */
const BUILT_IN_GRANTEES = new Set(['PUBLIC', 'CURRENT_USER', 'CURRENT_ROLE', 'SESSION_USER']);

/** Roles in a list starting at tokens[from], up to a word in `stop` (or the end). */
function roleList(tokens: Token[], from: number, stop: Set<string>): { roles: string[]; end: number } {
  const roles: string[] = [];
  let i = from;
  for (; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.depth > 0 || token.name === ',' || token.word === 'GROUP') continue;
    if (stop.has(token.word) || token.name === ';') break;
    if (BUILT_IN_GRANTEES.has(token.word)) continue;
    if (token.word !== '' || token.quoted) roles.push(token.name);
  }
  return { roles, end: i };
}

const AFTER_GRANTEES = new Set(['WITH', 'GRANTED', 'CASCADE', 'RESTRICT']);

/** What a statement asks of the roles of the database it runs in. */
export type RoleConcern =
  /** Always skipped: it would act as another role (or as a superuser would). */
  | { kind: 'session'; label: string }
  /** Kept when the seeding role may act as `role` (is a member of it). */
  | { kind: 'owner'; role: string }
  /** Kept when every grantee exists and the seeding role is a member of each of `asRoles`. */
  | { kind: 'grant'; label: string; grantees: string[]; asRoles: string[] };

function sessionConcern(words: string[]): RoleConcern | undefined {
  const [first, ...rest] = words;
  if (first !== 'SET' && first !== 'RESET') return undefined;
  const authorization = (list: string[]) => list[0] === 'SESSION' && list[1] === 'AUTHORIZATION';
  // SET [SESSION | LOCAL] …: the modifier first.
  const target = !authorization(rest) && (rest[0] === 'SESSION' || rest[0] === 'LOCAL') ? rest.slice(1) : rest;
  if (authorization(target)) return { kind: 'session', label: 'SET SESSION AUTHORIZATION' };
  if (target[0] === 'ROLE') return { kind: 'session', label: 'SET ROLE' };
  if (target[0] === 'SESSION_REPLICATION_ROLE') return { kind: 'session', label: 'SET session_replication_role' };
  return undefined;
}

function grantConcern(tokens: Token[], verb: 'GRANT' | 'REVOKE', from: number, asRoles: string[], label: string): RoleConcern | undefined {
  const keyword = verb === 'GRANT' ? 'TO' : 'FROM';
  let at = -1;
  for (let i = from; i < tokens.length; i++) if (tokens[i]!.depth === 0 && tokens[i]!.word === keyword) at = i;
  if (at === -1) return undefined;
  const { roles, end } = roleList(tokens, at + 1, AFTER_GRANTEES);
  const grantedBy = tokens.findIndex((token, i) => i >= end && token.word === 'GRANTED');
  const grantor = grantedBy === -1 ? [] : roleList(tokens, grantedBy + 2, AFTER_GRANTEES).roles;
  return { kind: 'grant', label, grantees: roles, asRoles: [...asRoles, ...grantor] };
}

function defaultPrivilegesConcern(tokens: Token[]): RoleConcern | undefined {
  // ALTER DEFAULT PRIVILEGES [FOR ROLE|USER r, …] [IN SCHEMA s, …] GRANT|REVOKE …
  const verbAt = tokens.findIndex((token) => token.depth === 0 && (token.word === 'GRANT' || token.word === 'REVOKE'));
  if (verbAt === -1) return undefined;
  const forAt = tokens.findIndex((token, i) => i < verbAt && token.word === 'FOR');
  const asRoles = forAt === -1 ? [] : roleList(tokens.slice(0, verbAt), forAt + 2, new Set(['IN'])).roles;
  return grantConcern(tokens, tokens[verbAt]!.word as 'GRANT' | 'REVOKE', verbAt + 1, asRoles, 'ALTER DEFAULT PRIVILEGES');
}

const CONCERN_HEADS = new Set(['SET', 'RESET', 'ALTER', 'GRANT', 'REVOKE']);

/**
 * What a statement needs of the target's roles, or undefined when it names none.
 *
 * @example
 * roleConcern('ALTER TABLE public.t OWNER TO postgres;') // { kind: 'owner', role: 'postgres' }
 * roleConcern('GRANT SELECT ON TABLE t TO app_reader;')  // { kind: 'grant', label: 'GRANT', grantees: ['app_reader'], asRoles: [] }
 */
export function roleConcern(sql: string): RoleConcern | undefined {
  const words = leadingWords(sql, 4);
  if (!CONCERN_HEADS.has(words[0] ?? '')) return undefined;
  const session = sessionConcern(words);
  if (session || words[0] === 'SET' || words[0] === 'RESET') return session;
  const tokens = tokenize(sql);
  if (words[0] === 'GRANT' || words[0] === 'REVOKE') return grantConcern(tokens, words[0], 1, [], words[0]);
  if (words[1] === 'DEFAULT' && words[2] === 'PRIVILEGES') return defaultPrivilegesConcern(tokens);
  const last = tokens.at(-1)?.name === ';' ? tokens.length - 2 : tokens.length - 1;
  const owner = tokens[last - 2];
  if (owner?.word === 'OWNER' && tokens[last - 1]?.word === 'TO' && owner.depth === 0) {
    const role = tokens[last]!;
    return BUILT_IN_GRANTEES.has(role.word) ? undefined : { kind: 'owner', role: role.name };
  }
  return undefined;
}

/** A statement about a database by name: `pg_dump --create` writes these about its own. */
export interface DatabaseStatement {
  action: 'create' | 'drop' | 'alter' | 'comment' | 'grant';
  name: string;
  /** Where the name is in the statement, to put the seeded database's in its place. */
  start: number;
  end: number;
}

const DATABASE_HEADS = new Set(['CREATE', 'DROP', 'ALTER', 'COMMENT', 'GRANT', 'REVOKE']);

/**
 * The database a statement is about, or undefined.
 *
 * @example
 * databaseStatement('CREATE DATABASE shop WITH TEMPLATE = template0;') // { action: 'create', name: 'shop', start: 16, end: 20 }
 */
export function databaseStatement(sql: string): DatabaseStatement | undefined {
  const words = leadingWords(sql, 4);
  if (!DATABASE_HEADS.has(words[0] ?? '')) return undefined;
  const simple = { CREATE: 'create', DROP: 'drop', ALTER: 'alter' } as const;
  const grant = words[0] === 'GRANT' || words[0] === 'REVOKE';
  if (!grant && !(words[0] === 'COMMENT' && words[2] === 'DATABASE') && words[1] !== 'DATABASE') return undefined;
  const tokens = tokenize(sql);
  const at = tokens.findIndex((token) => token.depth === 0 && token.word === 'DATABASE');
  if (at === -1 || (grant && tokens[at - 1]?.word !== 'ON')) return undefined;
  let nameAt = at + 1;
  if (tokens[nameAt]?.word === 'IF' && tokens[nameAt + 1]?.word === 'EXISTS') nameAt += 2;
  const name = tokens[nameAt];
  if (!name || (name.word === '' && !name.quoted)) return undefined;
  const action = grant ? 'grant' : words[0] === 'COMMENT' ? 'comment' : simple[words[0] as keyof typeof simple];
  return { action, name: name.name, start: name.start, end: name.end };
}
