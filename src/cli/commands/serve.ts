/** `get-db serve`: run the Instagres-compatible server until Ctrl-C or SIGTERM. */
import { parseServeOptions } from '../../serve/options.js';
import { startServe } from '../../serve/index.js';
import { createOutput } from '../output.js';

export default async function serve(raw: Record<string, unknown>): Promise<number> {
  const out = createOutput(false);
  const options = parseServeOptions(raw, process.env);
  // Request logs are JSON lines on stdout (for log collectors); the rest is for people.
  const server = await startServe(options, { log: (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`) });
  out.say(`${out.colors.green('✔')} get-db serve is listening`);
  out.say(`  API URL:  ${out.colors.bold(server.apiUrl)}`);
  out.say(`  Use it:   npx get-db --api-url ${server.apiUrl}   (or INSTAGRES_API_URL=${server.apiUrl})`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out.say('Shutting down: finishing requests in flight…');
  await server.close();
  return 0;
}
