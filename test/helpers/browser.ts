/**
 * Debian's headless Chromium, driven by playwright-core (which downloads no browser of
 * its own): pages as a person's browser sees them, CSP and all.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// Where Debian's packages put it (.ci/run installs chromium-headless-shell when none is there).
const CANDIDATES = ['/usr/bin/chromium-headless-shell', '/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium'];

export const CHROMIUM = process.env.GET_DB_TEST_CHROMIUM ?? CANDIDATES.find((path) => existsSync(path)) ?? CANDIDATES[0]!;

/**
 * @example
 * const browser = await launchChromium();
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-extensions', '--no-first-run', '--mute-audio'],
  });
}
