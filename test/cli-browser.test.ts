/**
 * `get-db claim` opening the page: an explicit BROWSER is used even without a display (how
 * WSL users name wslview and terminal users lynx), tried entry by entry, with the URL as an
 * argument, never through a shell; nothing opens in CI or under --json; the URL is always printed.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { browserCommands, chooseBrowser } from '../src/cli/browser.js';
import { runCli, tempProject } from './helpers/cli.js';
import { startFakeApi, type FakeApi } from './helpers/fake-api.js';

const URL = 'https://get-db.test/claim/0190-abc';

describe('BROWSER, read as xdg-open and Python read it', () => {
  test('a colon-separated list; %s is the URL, %% a percent sign; without %s the URL comes last', () => {
    expect(browserCommands('wslview', URL, ':')).toEqual([['wslview', URL]]);
    expect(browserCommands(' lynx  -dump %s : w3m ', URL, ':')).toEqual([['lynx', '-dump', URL], ['w3m', URL]]);
    expect(browserCommands('open-it --title=100%% --url=%s', URL, ':')).toEqual([['open-it', '--title=100%', `--url=${URL}`]]);
    expect(browserCommands('literal %%s', URL, ':')).toEqual([['literal', '%s', URL]]);
    expect(browserCommands('::', URL, ':')).toEqual([]);
    expect(browserCommands('C:\\Tools\\browser.exe;edge', URL, ';')).toEqual([['C:\\Tools\\browser.exe', URL], ['edge', URL]]);
  });

  const where = (env: NodeJS.ProcessEnv, platform: NodeJS.Platform = 'linux', isWsl = false) => chooseBrowser(URL, { env, platform, isWsl }).kind;

  test('BROWSER wins over "no display" and SSH, but nothing opens in CI', () => {
    expect(where({ BROWSER: 'wslview' })).toBe('browser-env');
    expect(where({ BROWSER: 'lynx', SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 22' })).toBe('browser-env');
    expect(where({ BROWSER: 'wslview', CI: 'true' })).toBe('none');
    expect(where({ BROWSER: 'wslview', CI: 'false' })).toBe('browser-env');
  });

  test('without BROWSER: open where a window can be seen, which includes WSL without DISPLAY', () => {
    expect(where({})).toBe('none');
    expect(where({}, 'linux', true)).toBe('open');
    expect(where({ DISPLAY: ':0' })).toBe('open');
    expect(where({ WAYLAND_DISPLAY: 'wayland-0' })).toBe('open');
    expect(where({ DISPLAY: ':0', SSH_TTY: '/dev/pts/1' })).toBe('none');
    expect(where({}, 'darwin')).toBe('open');
    expect(where({}, 'win32')).toBe('open');
    expect(where({ BROWSER: '' })).toBe('none');
  });
});

describe.runIf(process.platform !== 'win32')('get-db claim with a recorded BROWSER', () => {
  let api: FakeApi;
  beforeAll(async () => {
    api = await startFakeApi();
  });
  afterAll(() => api.close());

  /** A folder with a project (a database in .env) and a "browser" that records its argv, one per line. */
  async function setup() {
    const cwd = await tempProject();
    const created = await runCli(['-y', '--json', '--api-url', api.apiUrl], { cwd });
    expect(created.code, created.stderr).toBe(0);
    const claimUrl = (JSON.parse(created.stdout) as { claimUrl: string }).claimUrl;
    const bin = join(cwd, 'bin');
    await mkdir(bin);
    const log = join(cwd, 'argv.txt');
    const recorder = join(bin, 'record-browser');
    await writeFile(recorder, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> '${log}'; done\n`);
    const failing = join(bin, 'failing-browser');
    await writeFile(failing, '#!/bin/sh\nexit 3\n');
    await Promise.all([chmod(recorder, 0o755), chmod(failing, 0o755)]);
    // No display, no CI, no SSH: before, nothing was opened here.
    const env = { DISPLAY: undefined, WAYLAND_DISPLAY: undefined, CI: undefined, SSH_CONNECTION: undefined, SSH_TTY: undefined };
    const argv = async () => (existsSync(log) ? (await readFile(log, 'utf8')).split('\n').slice(0, -1) : undefined);
    return { cwd, claimUrl, recorder, failing, env, argv };
  }

  test('runs BROWSER with the URL when there is no display; skips entries that are missing or fail', async () => {
    const p = await setup();
    const run = await runCli(['claim', '--api-url', api.apiUrl], { cwd: p.cwd, env: { ...p.env, BROWSER: p.recorder } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(p.claimUrl);
    expect(run.stderr).toContain('Opened it in your browser');
    expect(await p.argv()).toEqual([p.claimUrl]);

    const q = await setup();
    const list = `no-such-browser-here:${q.failing}:${q.recorder} --new-tab %s`;
    const second = await runCli(['claim', '--api-url', api.apiUrl], { cwd: q.cwd, env: { ...q.env, BROWSER: list } });
    expect(second.code, second.stderr).toBe(0);
    expect(await q.argv()).toEqual(['--new-tab', q.claimUrl]);
  });

  test('the URL is one argument, never shell text', async () => {
    const p = await setup();
    const hostile = `${p.claimUrl}?x=$(touch${'%20'}pwned);touch pwned2&y=\`id\``;
    await writeFile(join(p.cwd, '.env'), `PUBLIC_INSTAGRES_CLAIM_URL='${hostile}'\n`);
    const run = await runCli(['claim', '--api-url', api.apiUrl], { cwd: p.cwd, env: { ...p.env, BROWSER: `${p.recorder} %s` } });
    expect(run.code, run.stderr).toBe(0);
    expect(await p.argv()).toEqual([hostile]);
    expect(existsSync(join(p.cwd, 'pwned'))).toBe(false);
    expect(existsSync(join(p.cwd, 'pwned2'))).toBe(false);
  });

  test('without a display (and no BROWSER), claim says why no browser opened', async () => {
    const p = await setup();
    const run = await runCli(['claim', '--api-url', api.apiUrl], { cwd: p.cwd, env: p.env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`Claim your database here: ${p.claimUrl}`);
    expect(run.stderr).toContain('No browser opened: there is no display (DISPLAY and WAYLAND_DISPLAY are unset); set BROWSER to use a terminal browser. Open the URL above yourself.');
    const ssh = await runCli(['claim', '--api-url', api.apiUrl], { cwd: p.cwd, env: { ...p.env, DISPLAY: ':0', SSH_CONNECTION: '10.0.0.1 22 10.0.0.2 22' } });
    expect(ssh.stderr).toMatch(/No browser opened: this is an SSH session/);
  });

  test('nothing opens in CI, under --json or with --no-open, and the URL is still given', async () => {
    const p = await setup();
    const ci = await runCli(['claim', '--api-url', api.apiUrl], { cwd: p.cwd, env: { ...p.env, BROWSER: p.recorder, CI: 'true' } });
    expect(ci.stderr).toContain(p.claimUrl);
    expect(ci.stderr).toContain('No browser opened: CI is set, so nobody is here to see one.');
    const json = await runCli(['claim', '--json', '--api-url', api.apiUrl], { cwd: p.cwd, env: { ...p.env, BROWSER: p.recorder } });
    expect(JSON.parse(json.stdout)).toMatchObject({ claimUrl: p.claimUrl, opened: false });
    const noOpen = await runCli(['claim', '--no-open', '--api-url', api.apiUrl], { cwd: p.cwd, env: { ...p.env, BROWSER: p.recorder } });
    expect(noOpen.stderr).toContain(p.claimUrl);
    expect(noOpen.stderr).not.toContain('No browser opened'); // asked for
    expect(json.stderr).toBe('');
    expect(await p.argv()).toBeUndefined();
  });

  test('a BROWSER that fails is a warning, not an error', async () => {
    const p = await setup();
    const run = await runCli(['claim', '--api-url', api.apiUrl], { cwd: p.cwd, env: { ...p.env, BROWSER: p.failing } });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(p.claimUrl);
    expect(run.stderr).toMatch(/BROWSER did not open it/);
  });
});
