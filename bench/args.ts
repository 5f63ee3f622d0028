/** `--name 123` from the bench's command line, or the fallback. */
export function numberOption(name: string, fallback: number, argv = process.argv.slice(2)): number {
  const at = argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(argv[at + 1]);
}

export function flag(name: string, argv = process.argv.slice(2)): boolean {
  return argv.includes(`--${name}`);
}

/** `--name a,b` from the bench's command line, or the fallback. */
export function listOption(name: string, fallback: string[], argv = process.argv.slice(2)): string[] {
  const at = argv.indexOf(`--${name}`);
  return at === -1 ? fallback : String(argv[at + 1]).split(',');
}
