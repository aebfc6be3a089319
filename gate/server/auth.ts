import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison of two secrets of any length: both are hashed first (SHA-256), so neither the
 * comparison time nor an early length check tells an attacker how much of a guess was right.
 */
export function secretEquals(given: string | Buffer, expected: string | Buffer): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** True when `authorization` is exactly `Bearer <token>`. */
export function bearerOk(authorization: string | undefined, token: string): boolean {
  if (typeof authorization !== 'string') return false;
  const m = /^Bearer ([\x21-\x7e]+)$/.exec(authorization);
  // Compare even when the header is malformed, so a malformed header takes as long as a wrong token.
  return secretEquals(m?.[1] ?? '', token) && m !== null;
}

/** A serve token: printable ASCII without spaces, at least 16 characters (a Kubernetes Secret's content, trimmed). */
export function checkServeToken(raw: string): string | null {
  const t = raw.trim();
  return /^[\x21-\x7e]{16,4096}$/.test(t) ? t : null;
}
