/**
 * What a tool call returns: structured content (checked against the tool's outputSchema),
 * the same JSON as text for clients that read only text, and a line for the agent to act
 * on. Every failure is a tool error (`isError`) with the CLI's error code and hint, never
 * a protocol error, so the agent can read it and fix its call.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { asGetDbError, GetDbError } from '../errors.js';
import { errorJson } from '../report/json.js';

/**
 * A successful call: `say` is for the agent (what happened, what to tell the person).
 *
 * @example
 * return toolResult(`Created ${id}.`, { id });
 */
export function toolResult(say: string, structured: Record<string, unknown>): CallToolResult {
  return {
    content: [
      { type: 'text', text: say },
      { type: 'text', text: JSON.stringify(structured) },
    ],
    structuredContent: structured,
  };
}

// The engine's hints name the CLI's flags; a tool takes the same things as arguments.
// A whole `npx get-db …` command stays as it is: the agent can run it too.
const NOT_IN_COMMAND = String.raw`(?<!npx get-db[^\n;,]*)`;
const ARGUMENT_WORDING: ReadonlyArray<readonly [RegExp, string]> = (
  [
    ['-e <path>', 'env_file'],
    [String.raw`--env(?![\w-])`, 'env_file'],
    [' -k and the file with -e', ' key and the file with env_file'],
    [String.raw`--key(?![\w-])`, 'key'],
    [String.raw`--force(?![\w-])`, 'force: true'],
    [String.raw`--prefix(?![\w-])`, 'prefix'],
    [String.raw`--no-transaction(?![\w-])`, 'transaction: false'],
  ] as const
).map(([flag, argument]) => [new RegExp(NOT_IN_COMMAND + flag, 'g'), argument] as const);

const inArgumentWords = (text: string) => ARGUMENT_WORDING.reduce((out, [pattern, words]) => out.replace(pattern, words), text);

/**
 * A failed call: `CODE: message`, the hint, and the CLI's `--json` error object as text
 * (no structuredContent: clients check that against the success schema).
 *
 * @example
 * catch (error) { return toolError(error); }
 */
export function toolError(failure: unknown): CallToolResult {
  const caught = asGetDbError(failure, 'Run the server with DEBUG=get-db for details.');
  const error = new GetDbError(caught.code, caught.message, { hint: caught.hint && inArgumentWords(caught.hint), cause: caught, details: caught.details });
  const lines = [`${error.code}: ${error.message}`, ...(error.hint ? [`Hint: ${error.hint}`] : [])];
  return {
    isError: true,
    content: [
      { type: 'text', text: lines.join('\n') },
      { type: 'text', text: JSON.stringify(errorJson(error)) },
    ],
  };
}

/**
 * A handler whose every failure becomes a tool error.
 *
 * @example
 * server.registerTool('claim_url', config, guarded(async (input) => toolResult('…', { … })));
 */
export function guarded<A extends unknown[]>(handler: (...args: A) => Promise<CallToolResult>): (...args: A) => Promise<CallToolResult> {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (error) {
      return toolError(error);
    }
  };
}
