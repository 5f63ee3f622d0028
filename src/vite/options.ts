/** The Vite plugin's options (docs: "Vite plugin"); names stay stable. */
import type { InstantPostgresOptions } from '../instant-postgres.js';

export interface PostgresPluginOptions extends Pick<InstantPostgresOptions, 'referrer' | 'dotEnvKey' | 'settings' | 'apiUrl'> {
  /** Default `.env`, in Vite's envDir (the project root unless `envDir` is set). */
  dotEnvFile?: string;
  /** Default `VITE_`: the claim URL is written as `<prefix>INSTAGRES_CLAIM_URL`, so client code sees it. */
  envPrefix?: string;
  /** An SQL file, relative to the project root, run once right after the database is created. */
  seed?: InstantPostgresOptions['seed'];
}
