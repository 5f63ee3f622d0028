/**
 * What the user sees while work runs: a spinner when a person answers prompts at a terminal;
 * one plain line per step otherwise (CI logs, -y), plus, at a terminal, a seed's progress on a
 * line of its own that is rewritten in place; nothing under --json.
 */
import type { SeedProgress } from '../seed/types.js';
import { formatBytes, plural } from '../report/format.js';
import type { Output } from './output.js';

export interface Progress {
  step(text: string): void;
  seed(progress: SeedProgress): void;
  done(): void;
}

function seedText(p: SeedProgress): string {
  const share = p.totalBytes > 0 ? ` (${Math.floor((p.bytes / p.totalBytes) * 100)}%)` : '';
  return `Seeding: ${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}${share}, ${plural(p.statements, 'statement')}`;
}

/** A long seed shows its progress once it has run this long (a short one prints nothing more). */
const SHOW_SEED_AFTER_MS = 1_000;

/**
 * Plain lines; at a terminal (`live`), the seed's progress as one line rewritten in place and
 * cleared before the next line.
 */
function plainProgress(out: Output, live: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  let seedStarted: number | undefined;
  let shown = false;
  const clear = () => {
    if (shown) stream.write('\r\x1b[K');
    shown = false;
  };
  return {
    step: (text) => {
      clear();
      seedStarted = undefined;
      out.say(`${text}…`);
    },
    seed: (p) => {
      if (!live) return;
      seedStarted ??= performance.now();
      if (performance.now() - seedStarted < SHOW_SEED_AFTER_MS) return;
      stream.write(`\r${seedText(p)}\x1b[K`);
      shown = true;
    },
    done: clear,
  };
}

async function spinnerProgress(): Promise<Progress> {
  const { spinner } = await import('./prompts.js');
  const spin = spinner({ output: process.stderr });
  let running = false;
  return {
    step: (text) => {
      if (running) spin.message(text);
      else {
        spin.start(text);
        // clack's spinner puts stdin in raw mode and answers Ctrl-C with exit(0); giving the
        // terminal back makes Ctrl-C a SIGINT again, which cancels the work with exit 130.
        if (process.stdin.isTTY) process.stdin.setRawMode(false);
      }
      running = true;
    },
    seed: (p) => running && spin.message(seedText(p)),
    done: () => {
      if (running) spin.clear();
      running = false;
    },
  };
}

/** The spinner module loads only when needed; steps before it is ready are queued. */
export function showProgress(out: Output, interactive: boolean): Progress {
  if (out.json) return { step: () => {}, seed: () => {}, done: () => {} };
  if (!interactive) return plainProgress(out, process.stderr.isTTY === true && process.env.TERM !== 'dumb');
  let ready: Progress | undefined;
  let pending: string | undefined;
  let finished = false;
  void spinnerProgress().then((p) => {
    ready = p;
    if (pending && !finished) p.step(pending);
  });
  return {
    step: (text) => (ready ? ready.step(text) : (pending = text)),
    seed: (p) => ready?.seed(p),
    done: () => {
      finished = true;
      ready?.done();
    },
  };
}
