/**
 * Runs the BUILT `get-db serve` as a child process, as operators run it, and reads the
 * API URL it prints. Its stdout is JSON log lines; they are kept for assertions.
 */
import { spawn } from 'node:child_process';
import { BIN, cliEnv } from './cli.js';

export interface ServeProcess {
  apiUrl: string;
  /** http://host:port, without /api/v1. */
  baseUrl: string;
  logs(): Array<Record<string, unknown>>;
  stderr(): string;
  pid: number;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** `bin`: another copy of get-db (e.g. one installed elsewhere); `cwd`: the project it runs in. */
export function spawnServe(args: string[], env: Record<string, string | undefined> = {}, bin = BIN, cwd?: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], { cwd, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`get-db serve did not start within 60 s:\n${stderr}`));
    }, 60_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const apiUrl = /API URL:\s+(\S+)/.exec(stderr)?.[1];
      if (!apiUrl) return;
      clearTimeout(timer);
      resolve({
        apiUrl,
        baseUrl: apiUrl.replace(/\/api\/v1$/, ''),
        logs: () => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
        stderr: () => stderr,
        pid: child.pid!,
        stop: (signal = 'SIGTERM') => {
          child.kill(signal);
          return exited;
        },
        exited,
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`get-db serve exited (${code}) before listening:\n${stderr}`));
    });
  });
}
