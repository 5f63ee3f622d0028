/** Facts about where the CLI runs, and Ctrl-C turned into an AbortSignal. */

/** Prompts only for a person at a terminal: never in CI, under --json or -y, or without a TTY. */
export function canPrompt(options: { yes?: unknown; json?: unknown }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (options.yes === true || options.json === true) return false;
  if (env.CI && env.CI !== 'false' && env.CI !== '0') return false;
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

// 128 + the signal's number, as shells report a process the signal ended.
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;
let stoppedBy: StopSignal | undefined;

/**
 * The exit code of a run that was cancelled: 143 when SIGTERM stopped it (a CI runner, a
 * process manager, `kill`), else 130 (Ctrl-C, or a prompt answered with Ctrl-C).
 * @example
 * process.exitCode = cancelledExitCode(); // 130 after Ctrl-C, 143 after SIGTERM
 */
export function cancelledExitCode(): number {
  return SIGNAL_EXIT_CODES[stoppedBy ?? 'SIGINT'];
}

/**
 * Aborts on the first Ctrl-C (or SIGTERM) so work in flight stops cleanly; a second
 * signal exits at once.
 */
export function abortOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (signal: StopSignal) => {
    if (controller.signal.aborted) process.exit(SIGNAL_EXIT_CODES[signal]);
    stoppedBy = signal;
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
