import { envelopeDigest } from '../dsse/envelope.js';
import type { Ledger, RowView } from '../ledger/ledger.js';
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
} from './retry.js';
import type { Transport, TransportResult } from './transport.js';
import { validateOutbound } from './validate-outbound.js';

export interface OutboxOptions {
  retry?: RetryPolicy;
  /** Injected for tests (tiny or no delays). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export interface FlushReport {
  delivered: number;
  /** Still queued after this flush (retried next run or by `evidence flush`). */
  pending: number;
  /** Taken out of the queue because they failed the outbound schema check. */
  rejected: number;
  /** Why the flush stopped early, when it did (control plane down, auth refused, ...). */
  stoppedBy?: string;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Outcome = { kind: 'delivered' } | { kind: 'next'; error: string } | { kind: 'stop'; error: string };

function describe(r: TransportResult): string {
  return r.kind === 'response' ? `HTTP ${r.status}` : `network error: ${r.message}`;
}

/** Send one record until it is acknowledged (2xx), refused for good, or retries run out. */
async function deliver(
  ledger: Ledger,
  rec: RowView,
  body: Buffer,
  transport: Transport,
  o: Required<OutboxOptions>,
): Promise<Outcome> {
  for (let attempt = 0; attempt < o.retry.maxAttempts; attempt++) {
    const res = await transport.post(body, rec.envelopeSha256);
    if (res.kind === 'response' && res.status >= 200 && res.status < 300) {
      ledger.markDelivered(rec.seq);
      return { kind: 'delivered' };
    }
    const error = describe(res);
    ledger.markFailed(rec.seq, error);
    if (res.kind === 'response' && !isRetryableStatus(res.status)) {
      // 401/403: every record would fail the same way; other 4xx: this record's problem, try the next one.
      return res.status === 401 || res.status === 403 ? { kind: 'stop', error } : { kind: 'next', error };
    }
    if (attempt === o.retry.maxAttempts - 1) return { kind: 'stop', error };
    const asked = res.kind === 'response' ? parseRetryAfter(res.retryAfter, o.now()) : null;
    if (asked !== null && asked > o.retry.maxRetryAfterMs)
      return { kind: 'stop', error: `${error}, Retry-After too long` };
    await o.sleep(asked ?? backoffDelay(attempt, o.retry, o.random));
  }
  return { kind: 'stop', error: 'no attempts allowed' };
}

/**
 * Deliver every queued record, oldest first. The ledger is the outbox: a record leaves the queue only on a 2xx
 * (or when it fails the outbound schema check, which is recorded). The Idempotency-Key is the envelope digest,
 * so a retry after a lost response is stored once by the receiver.
 */
export async function flushOutbox(
  ledger: Ledger,
  transport: Transport,
  options: OutboxOptions = {},
): Promise<FlushReport> {
  const o: Required<OutboxOptions> = {
    retry: options.retry ?? DEFAULT_RETRY,
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
  const report: FlushReport = { delivered: 0, pending: 0, rejected: 0 };
  for (const rec of ledger.pending()) {
    let body: Buffer;
    try {
      body = ledger.readFile(rec);
    } catch (err) {
      ledger.markFailed(rec.seq, `cannot read envelope: ${(err as Error).message}`);
      continue;
    }
    const valid =
      envelopeDigest(body) !== rec.envelopeSha256
        ? { ok: false as const, error: 'envelope file differs from the ledger digest' }
        : validateOutbound(body);
    if (!valid.ok) {
      ledger.markFailed(rec.seq, `not sent: ${valid.error}`, true);
      report.rejected++;
      continue;
    }
    const out = await deliver(ledger, rec, body, transport, o);
    if (out.kind === 'delivered') report.delivered++;
    else if (out.kind === 'stop') {
      report.stoppedBy = out.error;
      break;
    }
  }
  report.pending = ledger.countPending();
  return report;
}
