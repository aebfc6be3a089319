import { describe, expect, it } from 'vitest';
import { backoffMs, DEFAULT_RETRY, retryAfterMs } from './retry-policy.js';

const headers = (h: Record<string, string>) => new Headers(h);

describe('retry policy', () => {
  it('reads Retry-After in seconds or as a date, and the HF RateLimit t= parameter', () => {
    expect(retryAfterMs(headers({ 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterMs(headers({ 'retry-after': new Date(10_000).toUTCString() }), 4000)).toBe(6000);
    expect(retryAfterMs(headers({ ratelimit: '"api";r=0;t=55' }))).toBe(55_000);
    expect(retryAfterMs(headers({}))).toBeUndefined();
  });

  it('backs off exponentially within half and all of the capped delay', () => {
    for (let n = 1; n <= 10; n++) {
      const cap = Math.min(DEFAULT_RETRY.maxMs, DEFAULT_RETRY.baseMs * 2 ** (n - 1));
      const d = backoffMs(DEFAULT_RETRY, n);
      expect(d).toBeGreaterThanOrEqual(cap / 2 - 1);
      expect(d).toBeLessThanOrEqual(cap + 1);
    }
  });
});
