/**
 * The prefix that makes the claim URL visible to the project's client code, from the
 * framework its package.json names. `--prefix` always wins over this guess.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_PREFIX } from '../types.js';

// Order matters: a Nuxt or Next.js project may also list vite.
const FRAMEWORK_PREFIXES: ReadonlyArray<readonly [dependency: string, prefix: string]> = [
  ['next', 'NEXT_PUBLIC_'],
  ['nuxt', 'NUXT_PUBLIC_'],
  ['@sveltejs/kit', 'PUBLIC_'],
  ['astro', 'PUBLIC_'],
  ['vite', 'VITE_'],
];

/**
 * The public prefix `key` starts with, if any: frameworks put such variables into client code.
 * @example
 * publicPrefixOf('VITE_DB', 'PUBLIC_') // 'VITE_'
 */
export function publicPrefixOf(key: string, prefix: string): string | undefined {
  const prefixes = [prefix, ...FRAMEWORK_PREFIXES.map(([, known]) => known)].filter((known) => known !== '');
  return prefixes.sort((a, b) => b.length - a.length).find((known) => key.startsWith(known));
}

export function prefixForDependencies(dependencies: Iterable<string>): string {
  const names = new Set(dependencies);
  return FRAMEWORK_PREFIXES.find(([dependency]) => names.has(dependency))?.[1] ?? DEFAULT_PREFIX;
}

export async function detectPrefix(projectDir: string): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(join(projectDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    const names = ['dependencies', 'devDependencies', 'peerDependencies'].flatMap((field) => {
      const deps = pkg[field];
      return deps && typeof deps === 'object' ? Object.keys(deps) : [];
    });
    return prefixForDependencies(names);
  } catch {
    return DEFAULT_PREFIX;
  }
}
