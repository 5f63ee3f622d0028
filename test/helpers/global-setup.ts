/**
 * Starts one real PostgreSQL (TLS + SCRAM) for the whole run; tests make their own
 * databases and roles on it. Tests read it with `inject('postgres')`.
 */
import type { TestProject } from 'vitest/node';
import { startTestPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: { adminUrl: string; port: number };
  }
}

export default async function setup(project: TestProject) {
  const server = await startTestPostgres();
  project.provide('postgres', { adminUrl: server.adminUrl, port: server.port });
  return async () => {
    await server.stop();
  };
}
