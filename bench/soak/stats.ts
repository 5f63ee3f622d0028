/** What the soak counts, by phase (steady, a restart, an abuse…), so a report can say when things happened. */
export class Tally {
  readonly counts = new Map<string, number>();
  add(key: string, by = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }
  /** "201 ×120, 503 max_databases ×3" — largest first. */
  toString(): string {
    return [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([key, n]) => `${key} ×${n}`)
      .join(', ');
  }
}

export interface ClaimedDatabase {
  id: string;
  name: string;
  url: string;
  /** Rows the soak wrote before claiming: still there at the end, or the database was lost. */
  rows: number;
}

export interface SoakStats {
  /** Every create's answer: `201`, `503 <reason>`, `429`, `refused (serve down)`, `hung`, … */
  creates: Tally;
  /** The same, by phase. */
  byPhase: Map<string, Tally>;
  claims: Tally;
  claimed: ClaimedDatabase[];
  /** Tenant sessions: `ok`, or the error's first words. */
  tenant: Tally;
  /** Every 30 s: live rows (not DELETING) and gdb_ databases on the cluster. */
  live: Array<{ atS: number; rows: number; databases: number }>;
  notes: string[];
}

export function newStats(): SoakStats {
  return { creates: new Tally(), byPhase: new Map(), claims: new Tally(), claimed: [], tenant: new Tally(), live: [], notes: [] };
}

export function countCreate(stats: SoakStats, phase: string, outcome: string): void {
  stats.creates.add(outcome);
  if (!stats.byPhase.has(phase)) stats.byPhase.set(phase, new Tally());
  stats.byPhase.get(phase)!.add(outcome);
}

/** An error as a short stable key: its first few words, numbers and names stripped. */
export function errorKey(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/gdb_[0-9a-f]+/g, 'gdb_…')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+/g, 'N')
    .split(/\s+/)
    .slice(0, 8)
    .join(' ');
}
