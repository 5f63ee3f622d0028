/**
 * A tokenizer of .env text that keeps every byte. It finds assignments exactly where
 * dotenv.parse finds them (same LINE regex, same CRLF handling), but reports each one as a
 * range of the ORIGINAL text, so an editor can touch those lines and nothing else. Pure.
 */

export interface EnvEntry {
  key: string;
  /** Written as `export KEY=…`. */
  exported: boolean;
  /** Start of the first physical line of the entry (after a BOM). */
  start: number;
  /** End of the last physical line of the entry, including its line break if it has one. */
  end: number;
  /** The raw value as written (quotes included, surrounding blanks excluded); empty when there is none. */
  valueStart: number;
  valueEnd: number;
}

// dotenv's own LINE regex (lib/main.js), with the `d` flag so we learn where each group sits.
const LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/dgm;
const SEPARATOR = /\s*=\s*?|:\s+?/y;
const BOM = '\uFEFF';

/** dotenv turns CRLF and lone CR into LF before matching; we keep a map back to the original offsets. */
function normalizeEol(text: string): { normalized: string; toOriginal: number[] } {
  let normalized = '';
  const toOriginal: number[] = [];
  for (let i = 0; i < text.length; i++) {
    toOriginal.push(i);
    if (text[i] === '\r') {
      normalized += '\n';
      if (text[i + 1] === '\n') i++;
    } else {
      normalized += text[i];
    }
  }
  toOriginal.push(text.length);
  return { normalized, toOriginal };
}

function lineStartAt(text: string, index: number): number {
  return text.lastIndexOf('\n', index - 1) + 1;
}

function lineEndAfter(text: string, index: number): number {
  const newline = text.indexOf('\n', index);
  return newline === -1 ? text.length : newline + 1;
}

function toEntry(match: RegExpExecArray, normalized: string, toOriginal: number[], hasBom: boolean): EnvEntry {
  const [keyStart, keyEnd] = match.indices![1]!;
  const valueSpan = match.indices![2];
  SEPARATOR.lastIndex = keyEnd;
  SEPARATOR.exec(normalized);
  const contentEnd = valueSpan ? valueSpan[1] : SEPARATOR.lastIndex;
  const firstWord = match.index + /^\s*/.exec(match[0])![0].length;
  const rawValue = valueSpan ? normalized.slice(valueSpan[0], valueSpan[1]) : '';
  const valueStart = valueSpan ? valueSpan[0] + (rawValue.length - rawValue.trimStart().length) : contentEnd;
  const start = toOriginal[lineStartAt(normalized, firstWord)]!;
  return {
    key: match[1]!,
    exported: firstWord !== keyStart,
    start: start === 0 && hasBom ? 1 : start,
    end: toOriginal[lineEndAfter(normalized, contentEnd)]!,
    valueStart: toOriginal[valueStart]!,
    valueEnd: toOriginal[valueSpan ? valueStart + rawValue.trim().length : contentEnd]!,
  };
}

/** Every assignment dotenv sees, in file order; their ranges never overlap. */
export function parseEnvEntries(text: string): EnvEntry[] {
  const { normalized, toOriginal } = normalizeEol(text);
  const hasBom = text.startsWith(BOM);
  const entries: EnvEntry[] = [];
  for (const match of normalized.matchAll(LINE)) entries.push(toEntry(match, normalized, toOriginal, hasBom));
  return entries;
}

/** The entries assigning `key`, all of them, in order. */
export function findAssignments(text: string, key: string): EnvEntry[] {
  return parseEnvEntries(text).filter((entry) => entry.key === key);
}

/** '\r\n' when the file already uses CRLF, else '\n'. */
export function detectEol(text: string): '\r\n' | '\n' {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** Splits into physical lines, each with its own line break (CRLF, CR or LF) kept. */
export function splitLines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}
