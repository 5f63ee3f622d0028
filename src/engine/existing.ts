/**
 * Where the key is already set, as the project's framework will see it: the env file itself,
 * or another env file its dev server reads (Next.js's `.env.local`, Vite's
 * `.env.development`…). A key set anywhere there is found: nothing is created.
 */
import { basename } from 'node:path';
import { parse } from 'dotenv';
import { hasKey } from '../env/env-edit.js';
import { readEnvFile } from '../env/env-file.js';
import { hasPendingSeed } from '../env/seed-pending.js';
import type { CreatePlan } from '../plan/plan.js';

export interface ExistingKey {
  /** Absolute path of the file that sets the key. */
  file: string;
  text: string;
}

export interface EnvLook {
  /** The env file's own text; undefined when there is no such file. */
  text: string | undefined;
  /** The first file (the env file, then the framework's in the order it reads them) that sets the key. */
  found: ExistingKey | undefined;
}

type Plan = Pick<CreatePlan, 'envFile' | 'key' | 'frameworkEnvFiles'>;

/** The framework's files other than the env file, read quietly: one we cannot read is not ours to judge. */
async function otherFiles(plan: Plan): Promise<ExistingKey[]> {
  const files = plan.frameworkEnvFiles.filter((file) => file !== plan.envFile);
  const texts = await Promise.all(files.map((file) => readEnvFile(file).catch(() => undefined)));
  return files.flatMap((file, index) => (texts[index] === undefined ? [] : [{ file, text: texts[index]! }]));
}

/**
 * @example
 * const { text, found } = await lookForKey(plan); // found.file: '/app/.env.local' in a Next.js app
 */
export async function lookForKey(plan: Plan): Promise<EnvLook> {
  const text = await readEnvFile(plan.envFile);
  if (text !== undefined && hasKey(text, plan.key)) return { text, found: { file: plan.envFile, text } };
  const found = (await otherFiles(plan)).find((other) => hasKey(other.text, plan.key));
  return { text, found };
}

/**
 * After a replace into the env file: a file the framework reads first that still sets the key
 * keeps its value in the app. Said, not changed (it may be a committed `.env.development`).
 *
 * @example
 * await shadowWarnings(plan); // ['Next.js reads DATABASE_URL from .env.local before .env: …']
 */
export async function shadowWarnings(plan: Plan & Pick<CreatePlan, 'framework'>): Promise<string[]> {
  const order = plan.frameworkEnvFiles;
  const ahead = order.includes(plan.envFile) ? order.slice(0, order.indexOf(plan.envFile)) : order;
  const others = await otherFiles({ ...plan, frameworkEnvFiles: ahead });
  const winner = others.find((other) => hasKey(other.text, plan.key));
  if (!winner || !plan.framework) return [];
  return [
    `${plan.framework.name} reads ${plan.key} from ${basename(winner.file)} before ${basename(plan.envFile)}: the value there still wins. Delete it there to use the new database.`,
  ];
}

/**
 * Did another run write the key (or finish its seed) between our first look and now? Then
 * its database is the answer, and this run makes none.
 *
 * @example
 * if (changedMeanwhile(before, after, 'DATABASE_URL')) return anotherRun(…);
 */
export function changedMeanwhile(before: string | undefined, after: string | undefined, key: string): boolean {
  const value = (text: string | undefined) => (text === undefined ? undefined : parse(text)[key]);
  const pending = (text: string | undefined) => text !== undefined && hasPendingSeed(text, key);
  return value(before) !== value(after) || pending(before) !== pending(after);
}
