import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new random credential: `bytes` of entropy as lowercase hex. */
export function newSecret(bytes = 20): string {
  return randomBytes(bytes).toString('hex');
}

/**
 * Credentials here are random with >= 128 bits of entropy, so a fast hash is enough to make
 * a leaked database useless for pushing (no dictionary to try).
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
