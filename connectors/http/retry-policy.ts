import { setTimeout as sleep } from 'node:timers/promises';

/** How registry calls are retried. One policy for HTTP calls, AWS calls and download resumes. */
export interface RetryPolicy {
  /** Attempts in total (first try included). */
  attempts: number;
  /** First backoff delay; doubles per attempt, with jitter. */
  baseMs: number;
  /** Largest backoff delay. */
  maxMs: number;
  /** Largest wait honoured from `Retry-After` / `RateLimit: t=`; a longer demand fails the call as rate limited. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({
  attempts: 5,
  baseMs: 500,
  maxMs: 30_000,
  maxRetryAfterMs: 120_000,
});

/** Statuses retried by MLflow's and huggingface_hub's own clients (408, 429, 500, 502, 503, 504). */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Exponential backoff with full jitter for attempt `n` (1 = first retry). */
export function backoffMs(policy: RetryPolicy, n: number): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** (n - 1));
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}

/**
 * Server-requested wait in ms from `Retry-After` (seconds or HTTP date) or the IETF `RateLimit` header
 * (`"api";r=0;t=55`, as the Hugging Face Hub sends it); undefined when neither is present.
 */
export function retryAfterMs(
  headers: { get(name: string): string | null },
  now = Date.now(),
): number | undefined {
  const ra = headers.get('retry-after')?.trim();
  if (ra) {
    if (/^\d+$/.test(ra)) return Number(ra) * 1000;
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const rl = headers.get('ratelimit');
  const t = rl ? /(?:^|;)\s*t=(\d+)/.exec(rl) : null;
  return t ? Number(t[1]) * 1000 : undefined;
}

export async function wait(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms > 0) await sleep(ms, undefined, signal ? { signal } : undefined);
}
