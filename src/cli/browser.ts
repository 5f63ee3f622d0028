/**
 * Opening the claim page: where, and with what. An explicit `BROWSER` is the user's word
 * (how WSL users name `wslview` and terminal users `lynx`), so it is used even without a
 * display; otherwise `open` decides (it knows macOS, Windows and WSL), but only where
 * someone can see a window. Never in CI. Commands are spawned with arguments, never
 * through a shell.
 */
import { spawn } from 'node:child_process';
import { delimiter } from 'node:path';

export type BrowserChoice =
  /** The commands of `BROWSER`, tried in order until one succeeds (as xdg-open does). */
  | { kind: 'browser-env'; commands: string[][] }
  /** The `open` package: the desktop's default browser. */
  | { kind: 'open' }
  /** `why`: said to the user, so the URL is not left waiting for a window that never comes. */
  | { kind: 'none'; why: string };

export interface Surroundings {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** Under WSL, `open` hands the URL to Windows, which has a display even when Linux has none. */
  isWsl: boolean;
}

const isSet = (value: string | undefined) => value !== undefined && value !== '' && value !== 'false' && value !== '0';

/**
 * `BROWSER` as the xdg-open and Python conventions read it: a list of commands separated
 * by the PATH delimiter (`:`; `;` on Windows, where `:` is in drive letters); in each, `%s` stands for the URL (`%%` for a literal `%`), and without `%s` the
 * URL is the last argument. Words are split on white space; there is no shell, so no quoting.
 * @example
 * browserCommands('wslview:lynx -dump %s', 'https://x.test/c/1')
 * // [['wslview', 'https://x.test/c/1'], ['lynx', '-dump', 'https://x.test/c/1']]
 */
export function browserCommands(value: string, url: string, separator: string = delimiter): string[][] {
  return value
    .split(separator)
    .map((entry) => entry.trim().split(/\s+/).filter((word) => word !== ''))
    .filter((words) => words.length > 0)
    .map((words) => {
      const hasPlaceholder = words.some((word) => word.replaceAll('%%', '').includes('%s'));
      const args = words.map((word) => word.replace(/%%|%s/g, (token) => (token === '%s' ? url : '%')));
      return hasPlaceholder ? args : [...args, url];
    });
}

/**
 * Where nobody can see a browser (CI, SSH, Linux without a display and not WSL) none is
 * opened, unless `BROWSER` names one (except in CI: nobody is there).
 * @example
 * chooseBrowser('https://x.test/c/1', { env: { BROWSER: 'wslview' }, platform: 'linux', isWsl: false })
 * // { kind: 'browser-env', commands: [['wslview', 'https://x.test/c/1']] }
 */
export function chooseBrowser(url: string, { env, platform, isWsl }: Surroundings): BrowserChoice {
  if (isSet(env.CI)) return { kind: 'none', why: 'CI is set, so nobody is here to see one' };
  const commands = browserCommands(env.BROWSER ?? '', url);
  if (commands.length > 0) return { kind: 'browser-env', commands };
  if (env.SSH_CONNECTION || env.SSH_TTY) return { kind: 'none', why: 'this is an SSH session, so it would open on the remote machine; set BROWSER to choose one' };
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY && !isWsl) {
    return { kind: 'none', why: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset); set BROWSER to use a terminal browser' };
  }
  return { kind: 'open' };
}

/** Runs one command in the foreground (a terminal browser needs the terminal); true on exit 0. */
function runBrowser([command, ...args]: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command!, args, { stdio: 'inherit', windowsHide: false });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/**
 * Opens the URL as chosen; false when nothing could (the caller already printed the URL).
 * @example
 * const opened = await openBrowser(url, chooseBrowser(url, surroundings));
 */
export async function openBrowser(url: string, choice: BrowserChoice): Promise<boolean> {
  if (choice.kind === 'none') return false;
  if (choice.kind === 'browser-env') {
    for (const command of choice.commands) if (await runBrowser(command)) return true;
    return false;
  }
  try {
    const { default: open } = await import('open');
    const child = await open(url);
    child.on('error', () => {});
    return true;
  } catch {
    return false;
  }
}

/**
 * The facts of this process, for chooseBrowser. WSL is checked only when it matters (Linux
 * without a display), as it reads /proc.
 * @example
 * chooseBrowser(url, await surroundings());
 */
export async function surroundings(env: NodeJS.ProcessEnv = process.env): Promise<Surroundings> {
  const headlessLinux = process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY;
  const isWsl = headlessLinux ? (await import('is-wsl')).default : false;
  return { env, platform: process.platform, isWsl };
}
