/**
 * Structured logs: one JSON object a line, for log collectors. Entries never carry a
 * password or a connection string; callers pass ids, names and messages only.
 */
export type LogEntry = { level: 'info' | 'warn' | 'error'; event: string } & Record<string, unknown>;
export type Log = (entry: LogEntry) => void;

export function jsonLog(write: (line: string) => void): Log {
  return (entry) => write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}
