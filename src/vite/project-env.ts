/**
 * The plugin's view of a project's env: where Vite reads env files, what it would find
 * there, and what this dev server process gets to see. Vite itself is passed in, never
 * imported here, so `get-db/vite` loads where vite is not installed.
 */
import { join, resolve } from 'node:path';
import { parse } from 'dotenv';
import type { UserConfig } from 'vite';
import { findClaimExpiry } from '../engine/project-env.js';
import { readEnvFile } from '../env/env-file.js';
import { DEFAULT_ENV_FILE } from '../types.js';

export type LoadEnv = (mode: string, envDir: string | false, prefixes?: string | string[]) => Record<string, string>;

export interface ProjectPaths {
  root: string;
  /** Where Vite loads env files from; false when env files are turned off (Vite 7+). */
  envDir: string | false;
  /** The file get-db writes: `dotEnvFile` in envDir (in root when envDir is false). */
  envFile: string;
}

/** The same resolution Vite applies later to this config: root from the cwd, envDir from root. */
export function resolvePaths(config: UserConfig & { envFile?: false }, dotEnvFile: string): ProjectPaths {
  const root = resolve(config.root ?? '.');
  const envDir = config.envDir === false || config.envFile === false ? false : resolve(root, config.envDir ?? '.');
  // A dotEnvFile that is not a string (plain JS config) must not crash the dev server here:
  // the start's option check reports it, and nothing is created or written.
  const file = typeof dotEnvFile === 'string' ? dotEnvFile : DEFAULT_ENV_FILE;
  return { root, envDir, envFile: resolve(envDir === false ? root : envDir, file) };
}

/** Vite's own order: later files win. */
function viteEnvFiles(mode: string, envDir: string | false): string[] {
  if (envDir === false) return [];
  return ['.env', '.env.local', `.env.${mode}`, `.env.${mode}.local`].map((name) => join(envDir, name));
}

/**
 * What a key reads as in this dev session: Vite's env files and the shell, as `loadEnv` sees
 * them, over get-db's own file (which Vite may not load, e.g. `.env.db`, or any with envDir false).
 */
export async function lookUpEnv(loadEnv: LoadEnv, mode: string, paths: ProjectPaths): Promise<Record<string, string>> {
  const own = parse((await readEnvFile(paths.envFile)) ?? '');
  return { ...own, ...loadEnv(mode, paths.envDir, '') };
}

/** The expiry comment next to this claim URL, in whichever file holds it. */
export async function findExpiry(mode: string, paths: ProjectPaths, claimUrl: string): Promise<Date | undefined> {
  for (const file of [paths.envFile, ...viteEnvFiles(mode, paths.envDir).reverse()]) {
    const text = await readEnvFile(file).catch(() => undefined);
    const expiry = text === undefined ? undefined : findClaimExpiry(text, claimUrl);
    if (expiry) return expiry;
  }
  return undefined;
}

// What this process got from the plugin. Withdrawn before each look-up, so after a restart
// (Vite restarts on a config or .env edit) the file is read again instead of our old copy.
const exported = new Map<string, string>();

export function withdrawExports(): void {
  for (const [key, value] of exported) if (process.env[key] === value) delete process.env[key];
  exported.clear();
}

/**
 * Server-side code in this dev session (SSR, middleware) reads process.env, which Vite never
 * fills from env files. A value the shell already has wins, as with dotenv.
 */
export function exportToProcess(vars: Record<string, string>, keys: string[]): void {
  for (const key of keys) {
    const value = vars[key];
    if (!value || process.env[key]) continue;
    process.env[key] = value;
    exported.set(key, value);
  }
}
