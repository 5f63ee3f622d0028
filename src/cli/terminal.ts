/** Facts about where the CLI runs, and Ctrl-C turned into an AbortSignal. */

/** Prompts only for a person at a terminal: never in CI, under --json or -y, or without a TTY. */
export function canPrompt(options: { yes?: unknown; json?: unknown }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (options.yes === true || options.json === true) return false;
  if (env.CI && env.CI !== 'false' && env.CI !== '0') return false;
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/**
 * Aborts on the first Ctrl-C (or SIGTERM) so work in flight stops cleanly; a second
 * Ctrl-C exits at once.
 */
export function abortOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
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
