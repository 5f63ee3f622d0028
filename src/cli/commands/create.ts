/** `get-db` (the default command): plan → (ask) → provision → write env → seed → report. */
import type { Command } from 'commander';
import { createIntoEnv, type CreateOutcome, type CreateStep } from '../../engine/create.js';
import { hasKey } from '../../env/env-edit.js';
import { hasPendingSeed } from '../../env/seed-pending.js';
import { readEnvFile } from '../../env/env-file.js';
import { detectPrefix } from '../../plan/framework.js';
import { makeCreatePlan, type CreatePlan } from '../../plan/plan.js';
import { createdJson } from '../../report/json.js';
import { displayPath } from '../../report/format.js';
import { createdSummary, resumedSummary } from '../../report/human.js';
import { createOutput, type Output } from '../output.js';
import { abortOnSignals, canPrompt } from '../terminal.js';
import { showProgress } from '../progress.js';

interface CreateOptions {
  yes?: boolean;
  env: string;
  key: string;
  prefix?: string;
  seed?: string[];
  logicalReplication?: boolean;
  ref?: string;
  force?: boolean;
  gitignore: boolean;
  transaction: boolean;
  json?: boolean;
  apiUrl?: string;
}

/** Options the user typed win; the rest are asked (interactive) or defaulted. */
async function resolveAnswers(options: CreateOptions, command: Command, interactive: boolean, cwd: string) {
  const typed = (name: string) => command.getOptionValueSource(name) !== 'default' && command.getOptionValueSource(name) !== undefined;
  const defaults = { envFile: options.env, key: options.key, prefix: options.prefix ?? (await detectPrefix(cwd)), seedFiles: options.seed ?? [] };
  if (!interactive) return defaults;
  const { askCreateQuestions } = await import('../prompts.js');
  return askCreateQuestions({
    cwd,
    defaults,
    given: {
      envFile: typed('env') ? options.env : undefined,
      key: typed('key') ? options.key : undefined,
      prefix: options.prefix,
      seedFiles: options.seed,
    },
  });
}

/** Interactive: ask before replacing. Otherwise --force replaces and anything else skips. */
async function decideOnExistingKey(plan: CreatePlan, options: CreateOptions, interactive: boolean, cwd: string): Promise<void> {
  if (options.force || !interactive) return;
  const text = await readEnvFile(plan.envFile);
  if (text === undefined || !hasKey(text, plan.key)) return;
  // Its seed never finished: this run finishes it rather than asking to replace the database.
  if (plan.seedFiles.length > 0 && hasPendingSeed(text, plan.key)) return;
  const { confirmReplace } = await import('../prompts.js');
  if (await confirmReplace(plan.key, displayPath(plan.envFile, cwd))) plan.ifKeyExists = 'replace';
}

function report(outcome: CreateOutcome, out: Output, cwd: string): void {
  for (const warning of outcome.warnings) out.warn(warning);
  if (outcome.action === 'skipped') {
    out.say(`${out.colors.yellow('●')} ${outcome.key} is already set in ${displayPath(outcome.envFile, cwd)}; left it as it is and created no database.`);
    out.say(out.colors.dim('  Use --force to replace it (the old lines stay as comments).'));
  } else {
    const ctx = { cwd, now: new Date(), colors: out.colors };
    for (const line of outcome.action === 'resumed' ? resumedSummary(outcome, ctx) : createdSummary(outcome, ctx)) out.say(line);
  }
  out.result(createdJson(outcome));
}

const STEP_TEXT: Record<CreateStep, string> = {
  check: 'Checking the seed files',
  provision: 'Creating your database',
  write: 'Writing the env file',
  seed: 'Seeding',
};

export default async function create(raw: Record<string, unknown>, _args: string[], command: Command): Promise<number> {
  const options = raw as unknown as CreateOptions;
  const out = createOutput(options.json === true);
  const cwd = process.cwd();
  const interactive = canPrompt(options);
  const answers = await resolveAnswers(options, command, interactive, cwd);
  const plan = await makeCreatePlan({
    cwd,
    apiUrl: options.apiUrl,
    referrer: options.ref,
    logicalReplication: options.logicalReplication === true,
    envFile: answers.envFile,
    key: answers.key,
    prefix: answers.prefix,
    seedFiles: answers.seedFiles,
    seedTransaction: options.transaction,
    ifKeyExists: options.force ? 'replace' : 'skip',
    gitignore: options.gitignore,
  });
  await decideOnExistingKey(plan, options, interactive, cwd);
  const cancel = abortOnSignals();
  const progress = showProgress(out, interactive);
  try {
    const outcome = await createIntoEnv(plan, {
      signal: cancel.signal,
      onStep: (step) => progress.step(STEP_TEXT[step]),
      onSeedProgress: (p) => progress.seed(p),
    });
    progress.done();
    report(outcome, out, cwd);
    return 0;
  } catch (error) {
    progress.done();
    throw error;
  } finally {
    cancel.dispose();
  }
}
