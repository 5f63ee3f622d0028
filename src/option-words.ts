/**
 * The engine's messages name the CLI's flags (`--api-url`, `--ref`, `--env`…). A library or
 * plugin caller sets the same things as options, so their errors say `apiUrl`, `referrer`,
 * `dotEnvFile`… instead.
 */
import { GetDbError } from './errors.js';

// `(?![\w-])`: `--env` is the flag, `node --env-file` is not.
const OPTION_WORDING: ReadonlyArray<readonly [RegExp, string]> = [
  [/--api-url (?![(])(\S+)/g, "apiUrl: '$1'"],
  [/--api-url(?![\w-])/g, 'apiUrl'],
  [/--ref (\S+)/g, "referrer: '$1'"],
  [/ \(--ref\)/g, ''],
  [/--ref(?![\w-])/g, 'referrer'],
  [/--env (?!<)(\S+)/g, "dotEnvFile: '$1'"],
  [/--env <path>/g, 'dotEnvFile'],
  [/--env(?![\w-])/g, 'dotEnvFile'],
  [/--key(?![\w-])/g, 'dotEnvKey'],
  [/--prefix(?![\w-])/g, 'envPrefix'],
];

/**
 * A message worded for option callers: `--api-url` reads `apiUrl`, `--ref my-app` reads
 * `referrer: 'my-app'`.
 * @example
 * inOptionWords('Is --api-url (or INSTAGRES_API_URL) …'); // 'Is apiUrl (or INSTAGRES_API_URL) …'
 */
export function inOptionWords(text: string): string {
  return OPTION_WORDING.reduce((out, [pattern, words]) => out.replace(pattern, words), text);
}

/**
 * The same error, its message and hint in option words; code, details and cause unchanged.
 * @example
 * throw inOptionWordsError(error); // INVALID_API_URL: "… e.g. apiUrl: 'https://instagres.com/api/v1' …"
 */
export function inOptionWordsError(error: GetDbError): GetDbError {
  const message = inOptionWords(error.message);
  const hint = error.hint === undefined ? undefined : inOptionWords(error.hint);
  if (message === error.message && hint === error.hint) return error;
  return new GetDbError(error.code, message, { hint, cause: error.cause, details: error.details });
}
