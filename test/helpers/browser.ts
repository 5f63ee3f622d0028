/**
 * Debian's headless Chromium, driven by playwright-core (which downloads no browser of
 * its own): pages as a person's browser sees them, CSP and all.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.GET_DB_TEST_CHROMIUM ?? '/usr/bin/chromium-headless-shell';

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
