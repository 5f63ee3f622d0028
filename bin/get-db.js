#!/usr/bin/env node
import module from 'node:module';

// Cache compiled code between runs where Node offers it (22.1+): a faster second `npx get-db`.
module.enableCompileCache?.();
await import('../dist/cli.js');
