/**
 * Drives the built CLI through a real pseudo-terminal, via util-linux `script`, so
 * clack's prompts run exactly as for a person: raw mode, keystrokes, Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { BIN, cliEnv } from './cli.js';

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007|\u001b[()][0-9A-Za-z]/g;

export const KEY = { enter: '\r', ctrlC: '\u0003', down: '\u001b[B' } as const;

export interface PtySession {
  /** Everything the terminal showed so far, without escape sequences. */
  screen(): string;
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  type(keys: string): void;
  exit: Promise<number | null>;
}

const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export function startPty(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): PtySession {
  // A pty made without a parent terminal is 0×0, and clack wraps to the width: give it a real size.
  const command = `stty cols 120 rows 40 2>/dev/null; exec ${[process.execPath, BIN, ...args].map(shQuote).join(' ')}`;
  const env = cliEnv({ CI: undefined, GITHUB_ACTIONS: undefined, TERM: 'xterm-256color', COLUMNS: '120', LINES: '40', ...options.env });
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let raw = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: string) => {
    raw += chunk;
    for (const check of waiters) check();
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  const screen = () => raw.replace(ANSI, '');
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    screen,
    exit,
    type: (keys) => child.stdin.write(keys),
    waitFor: (pattern, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const matches = () => (typeof pattern === 'string' ? screen().includes(pattern) : pattern.test(screen()));
        const check = () => {
          if (!matches()) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`Timed out waiting for ${String(pattern)}; the terminal shows:\n${screen()}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}
