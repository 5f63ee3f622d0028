/** A database as the Instagres API describes it (docs: "Response fields"). */
export interface InstagresDatabase {
  id: string;
  status: 'UNCLAIMED' | 'CLAIMING' | 'CLAIMED';
  neon_project_id: string;
  connection_string: string | null;
  claim_url: string;
  expires_at: string;
  created_at: string;
  updated_at: string;
}

export const DEFAULT_API_URL = 'https://instagres.com/api/v1';
export const DEFAULT_ENV_FILE = '.env';
export const DEFAULT_KEY = 'DATABASE_URL';
export const DEFAULT_PREFIX = 'PUBLIC_';
/** Names this CLI to Instagres when the user gives no --ref. */
export const DEFAULT_REFERRER = 'npm:get-db';
