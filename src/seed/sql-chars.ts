/**
 * Byte tests for the SQL scanner, by PostgreSQL's lexer (scan.l), which also reads bytes: every
 * byte of a multi-byte UTF-8 character (0x80–0xFF) is a letter to it. No regex per byte.
 */
export const DOLLAR = 0x24;

/** Class bits: SPACE, identifier start (letters, '_', non-ASCII), identifier continuation (also digits, '$'). */
export const SPACE = 1, IDENT_START = 2, IDENT_CONT = 4;
const CLASS = new Uint8Array(128);
for (const c of ' \t\n\r\f\v') CLASS[c.charCodeAt(0)] = SPACE;
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) CLASS[c] = IDENT_START | IDENT_CONT;
  else if (/[0-9$]/.test(ch)) CLASS[c] = IDENT_CONT;
}
/** Non-ASCII bytes are letters to PostgreSQL's lexer; `undefined` (past the end) is nothing. */
export const classOf = (c: number | undefined): number => (c === undefined ? 0 : c < 128 ? CLASS[c]! : IDENT_START | IDENT_CONT);
export const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;
/** A dollar-quote tag continues with identifier characters except '$'. */
export const isTagCont = (c: number | undefined): boolean => c !== DOLLAR && (classOf(c) & IDENT_CONT) !== 0;

/** buf[at, at + length) equals `word` (lower-case ASCII letters) ignoring case. */
export function wordAt(buf: Uint8Array, at: number, length: number, word: string): boolean {
  if (length !== word.length) return false;
  for (let k = 0; k < length; k++) if ((buf[at + k]! | 0x20) !== word.charCodeAt(k)) return false;
  return true;
}

/** psql remembers the first letters of the statement's first four words if they are one of these. */
const ROUTINE_WORDS = ['create', 'function', 'procedure', 'or', 'replace'];
const ROUTINE_LENGTHS = new Set(ROUTINE_WORDS.map((word) => word.length));

/** The first letter of a routine word at buf[at, at + length), or ' ' for any other word. */
export function routineLetter(buf: Uint8Array, at: number, length: number): string {
  if (!ROUTINE_LENGTHS.has(length)) return ' ';
  for (const word of ROUTINE_WORDS) if (wordAt(buf, at, length, word)) return word[0]!;
  return ' ';
}
