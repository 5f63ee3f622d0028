/** `get-db status`: claimed or not, time left, and whether the API still serves the URL. */
import { resolve } from 'node:path';
import { readDatabaseRef } from '../../engine/project-env.js';
import { expiryWarnings } from '../../engine/expiry.js';
import { fetchStatusOf } from '../../engine/status.js';
import { apiUrlForFile, resolveApiUrl } from '../../plan/plan.js';
import { isInstagres } from '../../provision/api.js';
import { expiryLine } from '../../report/human.js';
import { statusJson } from '../../report/json.js';
import { getDbCommand } from '../../report/format.js';
import { createOutput } from '../output.js';
import { abortOnSignals } from '../terminal.js';

interface StatusOptions {
  env: string;
  prefix?: string;
  json?: boolean;
  apiUrl?: string;
}

export default async function status(raw: Record<string, unknown>): Promise<number> {
  const options = raw as unknown as StatusOptions;
  const out = createOutput(options.json === true);
  // A bad --api-url or INSTAGRES_API_URL is bad input: said before the file is read.
  resolveApiUrl(options.apiUrl);
  const envFile = resolve(options.env);
  const cwd = process.cwd();
  const { claimUrl: url, apiUrl: recorded } = await readDatabaseRef(envFile, options.prefix);
  // The server that made it, as the file records it, unless --api-url says otherwise.
  const apiUrl = apiUrlForFile(options.apiUrl, { recorded, envFile });
  const cancel = abortOnSignals();
  const result = await fetchStatusOf(envFile, cwd, { apiUrl, claimUrl: url, signal: cancel.signal }).finally(() => cancel.dispose());
  const now = new Date();
  const warnings = result.expiresAt ? expiryWarnings(result.expiresAt, now) : [];
  for (const warning of warnings) out.warn(warning);
  const c = out.colors;
  const label = (text: string) => c.dim(text.padEnd(12));
  out.say(`  ${label('Database')}${result.id}`);
  out.say(`  ${label('Status')}${result.status === 'CLAIMED' ? c.green(result.status) : c.yellow(result.status)}`);
  out.say(`  ${label('Expires')}${result.expiresAt ? expiryLine(result.expiresAt, now) : 'never'}`);
  const elsewhere = isInstagres(apiUrl) ? 'use the Neon console' : 'the one in your env file keeps working';
  out.say(`  ${label('Connection')}${result.connectionStringServed ? 'served by the API' : `no longer served by the API (${elsewhere})`}`);
  if (result.status !== 'CLAIMED') out.say(`  ${label('Claim')}${c.cyan(result.claimUrl)}  ${c.dim(`(${getDbCommand('claim', envFile, cwd)})`)}`);
  out.result(statusJson(result, now, warnings));
  return 0;
}
