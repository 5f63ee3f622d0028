/**
 * After tsup: the CommonJS doors of the package, one per entry point that package.json's
 * "exports" gives a "require" condition. `require('get-db/vite')` (a CommonJS package, a
 * vite.config.js that Vite bundles as CommonJS, tsc's CommonJS output) loads the ES module
 * itself through Node's require(esm) (20.19+, 22.12+): one copy of the code for both, so the
 * package stays small and an `import` and a `require` in one process share one module.
 * - <entry>.cjs: one line, through require-esm.cjs, which turns the error of a Node without
 *   require(esm) into one that says what to do;
 * - <entry>.d.cts (and the declaration chunks they import): the ES declarations, as
 *   CommonJS-format files, so TypeScript callers compiling to CommonJS (NodeNext in a
 *   "type": "commonjs" package) type-check on any TypeScript that knows NodeNext.
 * Run by `npm run build`; reads only package.json and dist/.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');

const REQUIRE_ESM = `'use strict';
// require() of get-db's ES modules: see "CommonJS" in docs/library-and-plugins.md.
module.exports = function requireEsm(file) {
  try {
    return require(file);
  } catch (error) {
    if (!error || error.code !== 'ERR_REQUIRE_ESM') throw error;
    throw new Error('get-db is an ES module: require() of it needs Node.js 20.19+, 22.12+ or 24+ (this is ' + process.version + '). Upgrade Node.js, or load it with import().', { cause: error });
  }
};
`;

const { exports } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

writeFileSync(join(DIST, 'require-esm.cjs'), REQUIRE_ESM);
for (const [entry, conditions] of Object.entries(exports)) {
  if (typeof conditions !== 'object' || !conditions.require) continue;
  const esm = conditions.import.default.replace(/^\.\/dist\//, './');
  const door = join(ROOT, conditions.require.default);
  writeFileSync(door, `'use strict';\n// ${entry === '.' ? 'get-db' : `get-db/${entry.slice(2)}`} for require(): the ES module itself (scripts/commonjs-doors.mjs).\nmodule.exports = require('./require-esm.cjs')('${esm}');\n`);
}

// Every declaration file, so the chunks the entries import exist as .d.cts too; relative
// specifiers ('./x.js') point at their .cjs twins, which TypeScript reads as ./x.d.cts.
// A package's types (vite's: ES only) are read as an import would read them.
for (const name of readdirSync(DIST).filter((file) => file.endsWith('.d.ts'))) {
  const source = readFileSync(join(DIST, name), 'utf8');
  const commonjs = source
    .replace(/((?:from|import)\s*\(?\s*)(['"])(\.\.?\/[^'"]+)\.js\2/g, '$1$2$3.cjs$2')
    .replace(/^import (?:type )?(\{[^}]*\}) from (['"])([^.'"][^'"]*)\2;$/gm, "import type $1 from $2$3$2 with { 'resolution-mode': 'import' };");
  writeFileSync(join(DIST, name.replace(/\.d\.ts$/, '.d.cts')), commonjs);
}
