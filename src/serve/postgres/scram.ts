/**
 * A SCRAM-SHA-256 verifier (RFC 5802/7677, PostgreSQL's stored format). Sending the
 * verifier instead of the password keeps the password out of the server's logs.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

const ITERATIONS = 4096; // PostgreSQL's default scram_iterations

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/** For the ASCII passwords `newPassword` makes, where SASLprep changes nothing. */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = ITERATIONS): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
