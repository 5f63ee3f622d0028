/**
 * A psql meta-command line (`\connect mydb`, `\restrict KEY`): its name and its
 * arguments, split at blanks the way psql reads them, with '…' and "…" quoting
 * ('' and "" inside stand for one quote) removed.
 */
export interface MetaCommand {
  command: string;
  args: string[];
}

/** `text` is the line after the backslash, without its line break. */
export function parseMetaCommand(text: string): MetaCommand {
  const words = splitArguments(text);
  return { command: words[0] ?? '', args: words.slice(1) };
}

function splitArguments(text: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    let word = '';
    while (i < text.length && !/\s/.test(text[i]!)) {
      const quote = text[i];
      if (quote !== "'" && quote !== '"') {
        word += text[i++];
        continue;
      }
      const [content, next] = readQuoted(text, i, quote);
      word += content;
      i = next;
    }
    words.push(word);
  }
  return words;
}

/** The content of the quoted part opening at `open`, and where it ends (an unclosed quote runs to the end). */
function readQuoted(text: string, open: number, quote: string): [string, number] {
  let content = '';
  let i = open + 1;
  for (;;) {
    const close = text.indexOf(quote, i);
    if (close === -1) return [content + text.slice(i), text.length];
    content += text.slice(i, close);
    if (text[close + 1] !== quote) return [content, close + 1];
    content += quote;
    i = close + 2;
  }
}
