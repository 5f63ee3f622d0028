/**
 * The CLI's only door to the terminal. Human text goes to stderr; stdout carries the
 * one JSON object of `--json` (or nothing), so agents can parse it blindly.
 */
import pc from 'picocolors';
import type { Colors } from 'picocolors/types.js';
import { errorJson } from '../report/json.js';
import { isGetDbError } from '../errors.js';

export interface Output {
  readonly json: boolean;
  readonly colors: Colors;
  /** A line of human text (stderr); silent under --json. */
  say(line?: string): void;
  warn(line: string): void;
  /** A line of the command's result as text (stdout: a listing to pipe into grep); silent under --json. */
  print(line: string): void;
  /** The machine-readable result (stdout); only under --json. */
  result(value: Record<string, unknown>): void;
  /** Reports a failure in the chosen format and returns the exit code. */
  fail(error: unknown): number;
}

const debugEnabled = () => /(^|,)\s*get-db\s*(,|$)/.test(process.env.DEBUG ?? '');

/**
 * NO_COLOR (any value) wins; FORCE_COLOR forces colour on, except `0` and `false`, which
 * force it off as Node and supports-color read them; else colour on a terminal only.
 * @example
 * colorsFor(process.stderr).red('✖');
 */
export function colorsFor(stream: NodeJS.WriteStream): Colors {
  const force = process.env.FORCE_COLOR;
  const forced = force === undefined || force === '' ? undefined : !/^(0|false)$/i.test(force);
  const enabled = !process.env.NO_COLOR && (forced ?? (stream.isTTY === true && process.env.TERM !== 'dumb'));
  return pc.createColors(enabled);
}

/**
 * A reader that stops reading (`| head -1`, an agent closing the pipe) makes the next write
 * fail with EPIPE, which Node reports as a crash with a stack trace, after the work is done.
 * The command's outcome and exit code stand; what is left to print has nobody to read it.
 */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') > 0) continue;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}

export function createOutput(json: boolean, stderr: NodeJS.WriteStream = process.stderr): Output {
  ignoreClosedPipes();
  const colors = colorsFor(stderr);
  const say = (line = '') => {
    if (!json) stderr.write(`${line}\n`);
  };
  return {
    json,
    colors,
    say,
    warn: (line) => say(`${colors.yellow('▲')} ${line}`),
    print: (line) => {
      if (!json) process.stdout.write(`${line}\n`);
    },
    result: (value) => {
      if (json) process.stdout.write(`${JSON.stringify(value)}\n`);
    },
    fail: (error) => {
      if (debugEnabled() && error instanceof Error) stderr.write(`${error.stack ?? error.message}\n`);
      if (json) {
        process.stdout.write(`${JSON.stringify(errorJson(error))}\n`);
      } else {
        const { error: body } = errorJson(error) as { error: { message: string; hint: string | null; details?: { lines?: string[]; databaseId?: string; claimUrl?: string } } };
        const cancelled = isGetDbError(error) && error.code === 'CANCELLED';
        stderr.write(`${cancelled ? colors.yellow('■') : colors.red('✖')} ${body.message}\n`);
        // The database exists: name it and the page that keeps it, whatever went wrong after.
        if (body.details?.databaseId) stderr.write(`  Database ${body.details.databaseId}; claim it to keep it: ${body.details.claimUrl ?? '(no claim URL)'}\n`);
        if (body.hint) stderr.write(`${colors.dim(body.hint)}\n`);
        // A database made but not written: its lines are the only copy left.
        if (body.details?.lines) stderr.write(`\n${body.details.lines.join('\n')}\n`);
      }
      return isGetDbError(error) ? error.exitCode : 1;
    },
  };
}
