/** Checks of single values the user gave; each throws one clear GetDbError. Pure. */
import { GetDbError } from '../errors.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function validateKey(key: string): string {
  if (!ENV_NAME.test(key)) {
    throw new GetDbError('INVALID_KEY', `"${key}" is not a valid environment variable name.`, {
      hint: 'Use letters, digits and underscores, not starting with a digit (e.g. DATABASE_URL).',
    });
  }
  return key;
}

/** An empty prefix is allowed: the claim URL is then written as INSTAGRES_CLAIM_URL. */
export function validatePrefix(prefix: string): string {
  if (prefix !== '' && !ENV_NAME.test(prefix)) {
    throw new GetDbError('INVALID_PREFIX', `"${prefix}" is not a valid prefix for environment variable names.`, {
      hint: 'Use letters, digits and underscores, e.g. PUBLIC_, VITE_ or NEXT_PUBLIC_.',
    });
  }
  return prefix;
}

export function validateReferrer(ref: string): string {
  const trimmed = ref.trim();
  if (trimmed === '' || trimmed.length > 200 || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new GetDbError('INVALID_REFERRER', 'The referrer (--ref) must be a non-empty name of at most 200 printable characters.', {
      hint: 'e.g. --ref my-app',
    });
  }
  return trimmed;
}

const API_URL_EXAMPLE = 'e.g. --api-url https://instagres.com/api/v1 (or http://127.0.0.1:3000/api/v1 for get-db serve)';

/** Returns the API base URL without a trailing slash. */
export function validateApiUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new GetDbError('INVALID_API_URL', `"${raw}" is not a valid API URL.`, {
      hint: API_URL_EXAMPLE,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new GetDbError('INVALID_API_URL', `The API URL must use http or https, not ${url.protocol.replace(':', '')}.`, { hint: API_URL_EXAMPLE });
  }
  if (url.username || url.password) {
    throw new GetDbError('INVALID_API_URL', 'The API URL must not contain a user name or password.');
  }
  if (url.search || url.hash) {
    throw new GetDbError('INVALID_API_URL', 'The API URL must not contain a query string or fragment.');
  }
  return url.href.replace(/\/+$/, '');
}
