/**
 * The project's framework, from the dependencies its package.json names: the public prefix
 * that makes the claim URL visible to client code, and the env files its dev server reads.
 * `--prefix` always wins over this guess.
 */
import { readFile } from '../env/fs-calls.js';
import { join } from 'node:path';
import { DEFAULT_PREFIX } from '../types.js';

export interface Framework {
  name: string;
  /** Its public prefix: client code sees only variables under it. */
  prefix: string;
  /**
   * The env files its dev server reads (mode "development"), the one whose value wins first.
   * From the frameworks' own loaders: @next/env's loadEnvConfig (the first file to set a key
   * wins), Vite's loadEnv (the last one wins; SvelteKit, Astro and React Router use it), and
   * Nuxt's CLI, which reads `.env` alone (c12's setupDotenv) unless given `--dotenv`.
   */
  envFiles: readonly string[];
}

const NEXT_FILES = ['.env.development.local', '.env.local', '.env.development', '.env'];
const VITE_FILES = ['.env.development.local', '.env.development', '.env.local', '.env'];

// Order matters: a Nuxt or Next.js project may also list vite.
const FRAMEWORKS: ReadonlyArray<readonly [dependency: string, framework: Framework]> = [
  ['next', { name: 'Next.js', prefix: 'NEXT_PUBLIC_', envFiles: NEXT_FILES }],
  ['nuxt', { name: 'Nuxt', prefix: 'NUXT_PUBLIC_', envFiles: ['.env'] }],
  ['@sveltejs/kit', { name: 'SvelteKit', prefix: 'PUBLIC_', envFiles: VITE_FILES }],
  ['astro', { name: 'Astro', prefix: 'PUBLIC_', envFiles: VITE_FILES }],
  ['vite', { name: 'Vite', prefix: 'VITE_', envFiles: VITE_FILES }],
];

/**
 * The public prefix `key` starts with, if any: frameworks put such variables into client code.
 * @example
 * publicPrefixOf('VITE_DB', 'PUBLIC_') // 'VITE_'
 */
export function publicPrefixOf(key: string, prefix: string): string | undefined {
  const prefixes = [prefix, ...FRAMEWORKS.map(([, known]) => known.prefix)].filter((known) => known !== '');
  return prefixes.sort((a, b) => b.length - a.length).find((known) => key.startsWith(known));
}

/**
 * The framework among these dependency names, if get-db knows one.
 * @example
 * frameworkOf(['react', 'next'])?.name // 'Next.js'
 */
export function frameworkOf(dependencies: Iterable<string>): Framework | undefined {
  const names = new Set(dependencies);
  return FRAMEWORKS.find(([dependency]) => names.has(dependency))?.[1];
}

/**
 * The framework `projectDir/package.json` depends on; undefined without one (or a package.json).
 * @example
 * (await detectFramework('/app'))?.envFiles // ['.env.development.local', '.env.local', …] in a Next.js app
 */
export async function detectFramework(projectDir: string): Promise<Framework | undefined> {
  try {
    const pkg = JSON.parse(await readFile(join(projectDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    const names = ['dependencies', 'devDependencies', 'peerDependencies'].flatMap((field) => {
      const deps = pkg[field];
      return deps && typeof deps === 'object' ? Object.keys(deps) : [];
    });
    return frameworkOf(names);
  } catch {
    return undefined;
  }
}

/**
 * The project's framework: the one in `projectDir/package.json`, else the face's own (a plugin
 * knows it runs in Vite, Astro or Nuxt, named by its package: `vite`, `astro`, `nuxt`).
 * @example
 * (await projectFramework('/app', 'vite'))?.name // 'Vite' where package.json names no framework
 */
export async function projectFramework(projectDir: string, faceFramework?: string): Promise<Framework | undefined> {
  return (await detectFramework(projectDir)) ?? (faceFramework === undefined ? undefined : frameworkOf([faceFramework]));
}

/**
 * The one rule every face picks the claim URL's prefix by: the one given (an option, a flag, or
 * a plugin's framework config), else the framework's, else PUBLIC_.
 * @example
 * prefixFor(undefined, undefined) // 'PUBLIC_'
 */
export function prefixFor(given: string | undefined, framework: Framework | undefined): string {
  return given ?? framework?.prefix ?? DEFAULT_PREFIX;
}

/**
 * {@link prefixFor} for the project's framework ({@link projectFramework}).
 * @example
 * await choosePrefix(undefined, '/next-app') // 'NEXT_PUBLIC_'
 */
export async function choosePrefix(given: string | undefined, projectDir: string, faceFramework?: string): Promise<string> {
  return prefixFor(given, await projectFramework(projectDir, faceFramework));
}
