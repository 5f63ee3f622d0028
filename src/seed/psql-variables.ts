/**
 * psql variables (`\set name value`) and their interpolation, by psql's rules: `:name` becomes
 * the value as it is, `:'name'` a string literal, `:"name"` a quoted identifier; only outside
 * quotes, dollar quotes and comments; `::` is a cast, and a name that is not set stays as
 * written. Pure.
 */

/** Variables as psql keeps them: names are case-sensitive. */
export type Variables = Map<string, string>;

const isNameChar = (c: string | undefined) => c !== undefined && (/[A-Za-z0-9_]/.test(c) || c.charCodeAt(0) >= 0x80);

/**
 * A string literal, as PQescapeLiteral would mean it with standard_conforming_strings on.
 * @example
 * quoteLiteral("it's") // "'it''s'"
 */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * A quoted identifier.
 * @example
 * quoteIdentifier('My "T"') // '"My ""T"""'
 */
export function quoteIdentifier(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/** Where the quote, dollar quote or comment opening at `i` ends (just past it). */
function skipQuoted(sql: string, i: number): number {
  const c = sql[i]!;
  if (c === "'" || c === '"') {
    const escapes = c === "'" && /[eE]/.test(sql[i - 1] ?? '') && !isNameChar(sql[i - 2]);
    for (let k = i + 1; k < sql.length; k++) {
      if (escapes && sql[k] === '\\') k++;
      else if (sql[k] === c) {
        if (sql[k + 1] === c) k++;
        else return k + 1;
      }
    }
    return sql.length;
  }
  if (c === '-') {
    const end = sql.indexOf('\n', i);
    return end === -1 ? sql.length : end + 1;
  }
  if (c === '/') {
    let depth = 0;
    for (let k = i; k < sql.length - 1; k++) {
      if (sql[k] === '/' && sql[k + 1] === '*') (depth++, k++);
      else if (sql[k] === '*' && sql[k + 1] === '/') {
        k++;
        if (--depth === 0) return k + 1;
      }
    }
    return sql.length;
  }
  const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64))?.[0];
  if (tag === undefined || isNameChar(sql[i - 1])) return i + 1;
  const end = sql.indexOf(tag, i + tag.length);
  return end === -1 ? sql.length : end + tag.length;
}

/** A variable reference at `i` (a ':'): its replacement and where it ends, or undefined. */
function reference(sql: string, i: number, variables: Variables): { text: string; end: number } | undefined {
  const next = sql[i + 1];
  if (next === "'" || next === '"') {
    const close = sql.indexOf(next, i + 2);
    const name = close === -1 ? undefined : sql.slice(i + 2, close);
    const value = name === undefined ? undefined : variables.get(name);
    if (value === undefined || !/^[A-Za-z0-9_\u0080-\uffff]+$/.test(name!)) return undefined;
    return { text: next === "'" ? quoteLiteral(value) : quoteIdentifier(value), end: close + 1 };
  }
  let end = i + 1;
  while (isNameChar(sql[end])) end++;
  const value = end > i + 1 ? variables.get(sql.slice(i + 1, end)) : undefined;
  return value === undefined ? undefined : { text: value, end };
}

/**
 * `sql` with psql's variable references replaced. `sqlLexing`: skip comments and dollar quotes
 * too (SQL text); off for a meta-command's arguments, where only quotes protect.
 *
 * @example
 * interpolate("SELECT :'name', :n::int -- :n", new Map([['name', "O'Brien"], ['n', '7']])) // "SELECT 'O''Brien', 7::int -- :n"
 */
export function interpolate(sql: string, variables: Variables, sqlLexing = true): string {
  if (variables.size === 0 || !sql.includes(':')) return sql;
  let out = '';
  let from = 0;
  for (let i = 0; i < sql.length; ) {
    const c = sql[i]!;
    const opensQuote = c === "'" || c === '"' || (sqlLexing && ((c === '-' && sql[i + 1] === '-') || (c === '/' && sql[i + 1] === '*') || c === '$'));
    if (opensQuote) {
      i = skipQuoted(sql, i);
      continue;
    }
    if (c !== ':') {
      i++;
      continue;
    }
    if (sql[i + 1] === ':') {
      i += 2;
      continue;
    }
    const found = reference(sql, i, variables);
    if (!found) {
      i++;
      continue;
    }
    out += sql.slice(from, i) + found.text;
    i = from = found.end;
  }
  return out + sql.slice(from);
}
