/** `get-db` (the default command): plan → (ask) → provision → write env → seed → report. */
import type { Command } from 'commander';
import { createIntoEnv, type CreateOutcome, type CreateStep } from '../../engine/create.js';
import { lookForKey } from '../../engine/existing.js';
import { readBlockFacts } from '../../env/env-block.js';
import { hasPendingSeed } from '../../env/seed-pending.js';
import { choosePrefix } from '../../plan/framework.js';
import { makeCreatePlan, type CreatePlan, type CreatePlanInput } from '../../plan/plan.js';
import { createdJson } from '../../report/json.js';
import { displayPath } from '../../report/format.js';
import { anotherRunSummary, createdSummary, resumedSummary, skippedSummary } from '../../report/human.js';
import { createOutput, type Output } from '../output.js';
import { abortOnSignals, canPrompt } from '../terminal.js';
import { showProgress } from '../progress.js';
import { folderOrderLines } from '../../seed/folder-order.js';

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

type Answers = Pick<CreatePlanInput, 'envFile' | 'key' | 'prefix' | 'seedFiles'>;

/** Options the user typed win; the rest are asked (interactive) or left to the plan's defaults. */
async function askAnswers(options: CreateOptions, command: Command, cwd: string, fixed: Answers): Promise<Answers> {
  const typed = (name: string) => command.getOptionValueSource(name) !== 'default' && command.getOptionValueSource(name) !== undefined;
  const { askCreateQuestions } = await import('../prompts.js');
  const defaults = { envFile: options.env, key: options.key, prefix: await choosePrefix(options.prefix, cwd), seedFiles: options.seed ?? [] };
  return askCreateQuestions({
    cwd,
    defaults,
    given: {
      envFile: fixed.envFile ?? (typed('env') ? options.env : undefined),
      key: fixed.key ?? (typed('key') ? options.key : undefined),
      prefix: options.prefix,
      seedFiles: options.seed,
    },
  });
}

/**
 * At a terminal, before any question: a key already set is said first (and replacing it
 * asked) where a plain ask would only skip; an expired one the engine checks, and a seed
 * still pending it finishes, without asking. Returns the answers this settles.
 */
async function askAboutExistingKey(plan: CreatePlan, cwd: string): Promise<{ ask: boolean; fixed: Answers }> {
  const { found } = await lookForKey(plan);
  if (!found) return { ask: true, fixed: {} };
  const settled = { ask: false, fixed: { envFile: plan.envFile, key: plan.key } };
  // In another file the framework reads: replacing it here would not reach the app.
  if (found.file !== plan.envFile) return settled;
  if (plan.seedFiles.length > 0 && hasPendingSeed(found.text, plan.key)) return settled;
  const facts = readBlockFacts(found.text, plan.key);
  if (facts && facts.expiresAt.getTime() <= Date.now()) return settled;
  const { confirmReplace } = await import('../prompts.js');
  if (!(await confirmReplace(plan.key, displayPath(plan.envFile, cwd)))) return settled;
  plan.ifKeyExists = 'replace';
  return { ask: true, fixed: settled.fixed };
}

function report(outcome: CreateOutcome, out: Output, cwd: string, target: string): void {
  for (const warning of outcome.warnings) out.warn(warning);
  const ctx = { cwd, now: new Date(), colors: out.colors };
  const lines =
    outcome.action === 'skipped'
      ? outcome.reason === 'another-run'
        ? anotherRunSummary(outcome, ctx)
        : skippedSummary(outcome, target, ctx)
      : outcome.action === 'resumed'
        ? resumedSummary(outcome, ctx)
        : createdSummary(outcome, ctx);
  for (const line of lines) out.say(line);
  out.result(createdJson(outcome));
}

const STEP_TEXT: Record<CreateStep, string> = {
  wait: 'Waiting for another get-db run on this env file to finish',
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
  const planFor = (answers: Answers, ifKeyExists: CreatePlan['ifKeyExists']) =>
    makeCreatePlan({
      cwd,
      apiUrl: options.apiUrl,
      referrer: options.ref,
      logicalReplication: options.logicalReplication === true,
      envFile: answers.envFile ?? options.env,
      key: answers.key ?? options.key,
      prefix: answers.prefix ?? options.prefix,
      seedFiles: answers.seedFiles ?? options.seed ?? [],
      seedTransaction: options.transaction,
      ifKeyExists,
      gitignore: options.gitignore,
    });
  // Everything typed is checked (seed files included) before a question is asked.
  let plan = await planFor({}, options.force ? 'replace' : 'skip');
  if (interactive) {
    const { ask, fixed } = options.force ? { ask: true, fixed: {} } : await askAboutExistingKey(plan, cwd);
    if (ask) {
      const asked = await planFor(await askAnswers(options, command, cwd, fixed), plan.ifKeyExists);
      // Another file or key was chosen in the questions: it gets its own "replace?".
      if (asked.envFile !== plan.envFile || asked.key !== plan.key) await askAboutExistingKey(asked, cwd);
      plan = asked;
    }
  }
  const cancel = abortOnSignals();
  const progress = showProgress(out, interactive);
  try {
    const outcome = await createIntoEnv(plan, {
      signal: cancel.signal,
      onStep: (step) => progress.step(STEP_TEXT[step]),
      onSeedProgress: (p) => progress.seed(p),
      onSeedFolders: (folders) => {
        progress.done();
        for (const folder of folders) for (const line of folderOrderLines(folder)) out.say(out.colors.dim(line));
      },
    });
    progress.done();
    report(outcome, out, cwd, plan.envFile);
    return 0;
  } catch (error) {
    progress.done();
    throw error;
  } finally {
    cancel.dispose();
  }
}
