/** The names get-db writes, derived from --key and --prefix. Pure. */
export function directKey(key: string): string {
  return `${key}_DIRECT`;
}

export function claimUrlKey(prefix: string): string {
  return `${prefix}INSTAGRES_CLAIM_URL`;
}

export function envKeysFor(key: string, prefix: string): string[] {
  return [key, directKey(key), claimUrlKey(prefix)];
}
