import { pathToFileURL } from 'node:url';
import { defineConfig } from 'vitest/config';
import { FAKE_DNS, TEST_CA } from './test/helpers/postgres.js';

// Test workers and every CLI they start trust the test CA (verification stays on) and
// resolve *.neon.test to loopback. Set before workers fork, so they inherit it.
process.env.NODE_EXTRA_CA_CERTS = TEST_CA;
process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, `--import=${pathToFileURL(FAKE_DNS).href}`]
  .filter(Boolean)
  .join(' ');

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
