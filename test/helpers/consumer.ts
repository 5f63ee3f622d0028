/**
 * get-db as a consumer installs it: the built package packed with `npm pack` (what the
 * registry would serve) and installed with `npm install <tarball>` into a fresh project.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { tempProject } from './cli.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npm = (args: string[], cwd: string) => run(NPM, args, { cwd, shell: process.platform === 'win32', maxBuffer: 16 * 1024 * 1024 });

let packed: Promise<string> | undefined;

/**
 * The path of the packed package (packed once per test file; `npm run build` comes first).
 * @example
 * const tarball = await packedTarball(); // /tmp/get-db-pack-…/get-db-0.1.0.tgz
 */
export function packedTarball(): Promise<string> {
  packed ??= (async () => {
    const into = await mkdtemp(join(tmpdir(), 'get-db-pack-'));
    const { stdout } = await npm(['pack', '--json', '--pack-destination', into], REPO);
    const [result] = JSON.parse(stdout) as [{ filename: string }];
    return join(into, result.filename);
  })();
  return packed;
}

/**
 * A fresh project with this package.json (`npm init -y` writes `"type": "commonjs"`) and
 * get-db installed from the packed tarball. The tarball has no dependencies: offline.
 * @example
 * const project = await consumerProject({ name: 'app', version: '1.0.0', type: 'commonjs' });
 */
export async function consumerProject(packageJson: Record<string, unknown>): Promise<string> {
  const project = await tempProject('get-db-consumer-');
  await writeFile(join(project, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
  await npm(['install', await packedTarball(), '--offline', '--no-audit', '--no-fund', '--loglevel=error'], project);
  return project;
}
