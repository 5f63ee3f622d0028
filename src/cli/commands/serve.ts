/** `get-db serve`: run the Instagres-compatible server until Ctrl-C or SIGTERM. */
import { startServe } from '../../serve/index.js';
import { jsonLog } from '../../serve/log.js';
import { parseServeOptions } from '../../serve/options.js';
import { formatTimeLeft } from '../../report/format.js';
import { createOutput } from '../output.js';

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      // A second signal while draining: stop waiting.
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export default async function serve(raw: Record<string, unknown>): Promise<number> {
  const out = createOutput(false);
  const options = parseServeOptions(raw, process.env);
  if (options.embedded) out.say('Starting the embedded PostgreSQL…');
  // Request logs are JSON lines on stdout (for log collectors); the rest is for people.
  const server = await startServe(options, { log: jsonLog((line) => process.stdout.write(line)) });
  for (const warning of server.warnings) out.warn(warning);
  out.say(`${out.colors.green('✔')} get-db serve is listening`);
  out.say(`  API URL:  ${out.colors.bold(server.apiUrl)}`);
  out.say(`  Use it:   npx get-db --api-url ${server.apiUrl}   (or INSTAGRES_API_URL=${server.apiUrl})`);
  out.say(out.colors.dim(`  Unclaimed databases live ${formatTimeLeft(options.ttlMs)}; Ctrl-C stops.`));
  await untilSignal();
  out.say('Shutting down: finishing requests in flight…');
  await server.close();
  return 0;
}
