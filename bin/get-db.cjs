#!/usr/bin/env node
'use strict';
// CommonJS, like the entry it loads: Node starts it faster than an ES module.
// Cache compiled code between runs where Node offers it (22.1+): a faster second `npx get-db`.
require('node:module').enableCompileCache?.();
require('../dist/cli/main.cjs');
