/** Database ids (UUID v7, as Instagres), role/database names and passwords. */
import { randomBytes } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** UUID v7: 48-bit millisecond time, then random bits, with version and variant set. */
export function uuidv7(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Checked before any query: a malformed id is "not found" without touching the database. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * The role and the database share one random name: made of hex digits only, so no
 * identifier comes from a request, and unrelated to the id, because every role can list
 * every database name (pg_database) and the id is what unlocks the API.
 */
export function newDatabaseName(): string {
  return `gdb_${randomBytes(12).toString('hex')}`;
}

/** 256 random bits, URL-safe so a connection string needs no escaping. */
export function newPassword(): string {
  return randomBytes(32).toString('base64url');
}
