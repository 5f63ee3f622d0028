/**
 * The Vite plugin's test harness: a loopback API, a real Vite dev server per test on a temp
 * project, its log captured, and the process environment put back after each test.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type InlineConfig, type Logger, type PluginOption, type ViteDevServer } from 'vite';
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import { postgres } from '../../src/vite.js';
import { tempProject } from './cli.js';
import { startFakeApi, type FakeApi } from './fake-api.js';

export interface CapturedLogger extends Logger {
  lines: string[];
}

function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const record = (level: string) => (msg: string) => void lines.push(`${level}: ${msg}`);
  return {
    lines,
    info: record('info'),
    warn: record('warn'),
    warnOnce: record('warn'),
    error: record('error'),
    clearScreen: () => {},
    hasErrorLogged: () => false,
    hasWarned: false,
  };
}

/**
 * Registers the hooks of one test file and hands back what its tests use.
 * @example
 * const vite = useViteHarness();
 * test('…', async () => { const { logger } = await vite.startDev(await vite.viteProject(), [vite.plugin()]); });
 */
export function useViteHarness() {
  let api: FakeApi | undefined;
  beforeAll(async () => {
    api = await startFakeApi({ postgres: inject('postgres') });
  });
  afterAll(() => api?.close());

  // Vitest marks its own process as a test run, which the plugin rightly stays out of; the
  // dev servers started here stand for `vite dev`, so that mark is lifted while they run.
  let savedEnv: NodeJS.ProcessEnv;
  const servers: { close(): Promise<void> }[] = [];
  beforeEach(() => {
    savedEnv = { ...process.env };
    for (const key of ['VITEST', 'DATABASE_URL', 'DATABASE_URL_DIRECT', 'VITE_INSTAGRES_CLAIM_URL', 'INSTAGRES_API_URL']) delete process.env[key];
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    api?.resetScript();
    api?.onCreate(undefined);
  });

  const harness = {
    get api(): FakeApi {
      if (!api) throw new Error('the loopback API starts in beforeAll');
      return api;
    },
    captureLogger,
    /** A minimal app: a page, and a module that reads the claim URL the way client code does. */
    async viteProject(): Promise<string> {
      const root = await tempProject('get-db-vite-');
      await writeFile(join(root, 'index.html'), '<!doctype html><title>app</title><script type="module" src="/main.js"></script>\n');
      await writeFile(join(root, 'main.js'), 'export const claimUrl = import.meta.env.VITE_INSTAGRES_CLAIM_URL;\nexport const secret = import.meta.env.DATABASE_URL;\n');
      return root;
    },
    plugin: (extra: Partial<Parameters<typeof postgres>[0]> = {}) => postgres({ referrer: 'vite-test', apiUrl: harness.api.apiUrl, ...extra }),
    /** A dev server closed after the test. */
    async startDev(root: string, plugins: PluginOption[], extra: InlineConfig = {}) {
      const logger = captureLogger();
      const server: ViteDevServer = await createServer({
        root,
        configFile: false,
        plugins,
        server: { port: 0, host: '127.0.0.1', ws: false },
        optimizeDeps: { noDiscovery: true },
        customLogger: logger,
        ...extra,
      });
      servers.push(server);
      await server.listen();
      const url = server.resolvedUrls!.local[0]!;
      return { server, logger, url, page: (path = '') => fetch(new URL(path, url)) };
    },
    /** Anything with close() (a preview server, say) closed after the test. */
    closeAfter(server: { close(): Promise<void> }) {
      servers.push(server);
    },
    createCount: () => harness.api.createRequests().length,
    passwordOf: (url: string) => decodeURIComponent(new URL(url).password),
  };
  return harness;
}
