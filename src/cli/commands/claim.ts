/** `get-db claim`: print (and open) the page that keeps the database. */
import { resolve } from 'node:path';
import { readDatabaseRef } from '../../engine/project-env.js';
import { statusForClaim, type DatabaseStatus } from '../../engine/status.js';
import { apiUrlForFile, resolveApiUrl } from '../../plan/plan.js';
import { isInstagres } from '../../provision/api.js';
import { createOutput, type Output } from '../output.js';
import { abortOnSignals } from '../terminal.js';

interface ClaimOptions {
  env: string;
  prefix?: string;
  open: boolean;
  json?: boolean;
  apiUrl?: string;
}

async function tryStatus(envFile: string, apiUrl: string, claimUrl: string, warnings: string[]): Promise<DatabaseStatus | undefined> {
  const cancel = abortOnSignals();
  try {
    return await statusForClaim(envFile, process.cwd(), { apiUrl, claimUrl, signal: cancel.signal }, warnings);
  } finally {
    cancel.dispose();
  }
}

/** Nothing to open where nobody would see it (and the user is told why); a browser that fails is a warning, not an error. */
async function tryOpen(url: string, out: Output): Promise<boolean> {
  // Its own file (with `open`), loaded only to open a page: not with every create.
  const { chooseBrowser, openBrowser, surroundings } = await import('../browser.js');
  const choice = chooseBrowser(url, await surroundings());
  if (choice.kind === 'none') {
    out.say(out.colors.dim(`No browser opened: ${choice.why}. Open the URL above yourself.`));
    return false;
  }
  const opened = await openBrowser(url, choice);
  if (!opened) out.warn(choice.kind === 'browser-env' ? 'The browser in BROWSER did not open it; open the URL above yourself.' : 'Could not open a browser; open the URL above yourself.');
  return opened;
}

/** What claimed means depends on who made it: a Neon project, or a database kept on a compatible server. */
function claimedText(apiUrl: string): string {
  if (isInstagres(apiUrl)) return 'This database is already claimed; manage it in your Neon console.';
  return `This database is already claimed on ${new URL(apiUrl).host}: it no longer expires, and the connection string in your env file keeps working.`;
}

export default async function claim(raw: Record<string, unknown>): Promise<number> {
  const options = raw as unknown as ClaimOptions;
  const out = createOutput(options.json === true);
  // A bad --api-url or INSTAGRES_API_URL is bad input: said before the file is read.
  resolveApiUrl(options.apiUrl);
  const envFile = resolve(options.env);
  const { claimUrl: url, apiUrl: recorded } = await readDatabaseRef(envFile, options.prefix);
  // The server that made it, as the file records it, unless --api-url says otherwise.
  const apiUrl = apiUrlForFile(options.apiUrl, { recorded, envFile });
  const warnings: string[] = [];
  const status = await tryStatus(envFile, apiUrl, url, warnings);
  for (const warning of warnings) out.warn(warning);
  if (status?.status === 'CLAIMED') {
    out.say(`${out.colors.green('✔')} ${claimedText(apiUrl)}`);
    out.result({ ok: true, action: 'claim', claimUrl: url, status: status.status, opened: false, warnings });
    return 0;
  }
  out.say(`Claim your database here: ${out.colors.cyan(url)}`);
  const opened = options.open && !out.json ? await tryOpen(url, out) : false;
  if (opened) out.say(out.colors.dim('Opened it in your browser.'));
  out.result({ ok: true, action: 'claim', claimUrl: url, status: status?.status ?? null, opened, warnings });
  return 0;
}
