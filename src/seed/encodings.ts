/**
 * The text encodings a seed file may come in, by PostgreSQL's names for them (what a dump's
 * `SET client_encoding = '…'` says), and how each becomes the UTF-8 the seed sends (node-postgres
 * speaks UTF-8 only). Pure; decoders are WHATWG TextDecoders (Node's full ICU).
 */

/**
 * PostgreSQL's name for an encoding as it compares them: lower case, letters and digits only.
 * @example
 * encodingKey('ISO-8859-1') // 'iso88591'
 */
export function encodingKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * PostgreSQL client encodings (and the aliases it accepts) → WHATWG labels. `utf-8`: the bytes
 * are sent as they are, after a check; `latin1`: ISO 8859-1 exactly (WHATWG's "latin1" is
 * windows-1252, which differs in 0x80–0x9F).
 */
const LABELS: Record<string, string> = {
  utf8: 'utf-8', unicode: 'utf-8', sqlascii: 'utf-8',
  latin1: 'latin1', iso88591: 'latin1',
  latin2: 'iso-8859-2', iso88592: 'iso-8859-2', latin3: 'iso-8859-3', iso88593: 'iso-8859-3',
  latin4: 'iso-8859-4', iso88594: 'iso-8859-4', latin5: 'windows-1254', iso88599: 'windows-1254',
  latin6: 'iso-8859-10', iso885910: 'iso-8859-10', latin7: 'iso-8859-13', iso885913: 'iso-8859-13',
  latin8: 'iso-8859-14', iso885914: 'iso-8859-14', latin9: 'iso-8859-15', iso885915: 'iso-8859-15',
  latin10: 'iso-8859-16', iso885916: 'iso-8859-16',
  iso88595: 'iso-8859-5', iso88596: 'iso-8859-6', iso88597: 'iso-8859-7', iso88598: 'iso-8859-8',
  win866: 'ibm866', alt: 'ibm866', win874: 'windows-874',
  win1250: 'windows-1250', win1251: 'windows-1251', win1252: 'windows-1252', win1253: 'windows-1253',
  win1254: 'windows-1254', win1255: 'windows-1255', win1256: 'windows-1256', win1257: 'windows-1257',
  win1258: 'windows-1258', win: 'windows-1251', abc: 'windows-1258', tcvn: 'windows-1258', tcvn5712: 'windows-1258',
  koi8r: 'koi8-r', koi8: 'koi8-r', koi8u: 'koi8-u',
  eucjp: 'euc-jp', sjis: 'shift_jis', shiftjis: 'shift_jis', mskanji: 'shift_jis',
  euckr: 'euc-kr', uhc: 'euc-kr', euccn: 'gbk', gbk: 'gbk', cp936: 'gbk', gb18030: 'gb18030', big5: 'big5', cp950: 'big5',
};

/**
 * How text in `name` (a PostgreSQL encoding name) is read; undefined when it cannot be here.
 * @example
 * whatwgLabel('WIN1252') // 'windows-1252'
 */
export function whatwgLabel(name: string): string | undefined {
  return LABELS[encodingKey(name)];
}

/**
 * True when `name` needs no conversion: UTF-8 (or SQL_ASCII, whose bytes must then be UTF-8).
 * @example
 * isUtf8Encoding('unicode') // true
 */
export function isUtf8Encoding(name: string): boolean {
  return whatwgLabel(name) === 'utf-8';
}

// The statements clientEncodingOf reads below, at the start of a line of the script's head.
const SET_CLIENT_ENCODING = /^[ \t]*SET[ \t]+(?:SESSION[ \t]+|LOCAL[ \t]+)?(?:client_encoding[ \t]*(?:=|TO)|NAMES)[ \t]*'?([A-Za-z0-9_-]+)'?[ \t]*;/im;
const ENCODING_META = /^[ \t]*\\encoding[ \t]+'?([A-Za-z0-9_-]+)'?/im;

/**
 * The encoding a SQL script declares near its top (pg_dump writes `SET client_encoding = 'X';`
 * on its fifth line), read from its first bytes as ASCII; undefined when it says nothing.
 *
 * @example
 * declaredEncoding(Buffer.from("SET client_encoding = 'LATIN1';\n")) // 'LATIN1'
 */
export function declaredEncoding(head: Uint8Array): string | undefined {
  const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 64 * 1024)).toString('latin1');
  const match = SET_CLIENT_ENCODING.exec(text) ?? ENCODING_META.exec(text);
  return match?.[1];
}

const SET_STATEMENT = /^\s*SET\s+(?:SESSION\s+|LOCAL\s+)?(?:client_encoding\s*(?:=|TO)|NAMES)\s*'?([A-Za-z0-9_-]+)'?\s*;?\s*$/i;

/**
 * The encoding a statement sets (`SET client_encoding = 'X'`, `SET NAMES 'X'`), else undefined.
 *
 * @example
 * clientEncodingOf("SET client_encoding TO 'WIN1252';") // 'WIN1252'
 */
export function clientEncodingOf(sql: string): string | undefined {
  return SET_STATEMENT.exec(sql)?.[1];
}
