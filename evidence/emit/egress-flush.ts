import type { Ledger } from '../ledger/ledger.js';
import { assertEgressAllowed } from './egress-allowlist.js';
import { checkOutboundBody } from './egress-body.js';
import { egressDenied } from './egress-denied.js';
import type { EgressPolicy } from './egress-policy.js';
import { flushOutbox, type FlushReport, type OutboxOptions } from './outbox.js';
import type { Transport } from './transport.js';

/**
 * A transport that refuses to send anywhere but an allow-listed endpoint, or a body that fails the outbound
 * checks. Both are configuration or programming errors, not delivery failures, so they throw CavraError
 * EGRESS_DENIED (the flush stops; nothing was sent) instead of being retried.
 */
export function guardTransport(inner: Transport, policy: EgressPolicy, endpoint: URL): Transport {
  assertEgressAllowed(policy, endpoint, 'control plane');
  return {
    async post(body, idempotencyKey) {
      const check = checkOutboundBody(body);
      if (!check.ok) throw egressDenied(check.error, 'evidence body');
      return inner.post(body, idempotencyKey);
    },
    close: () => inner.close(),
  };
}

/**
 * Deliver the outbox through the egress guard: the endpoint is checked first (EGRESS_DENIED before any
 * connection), then every queued record is checked (`checkOutboundBody`); a record that fails is not sent and
 * the failure is recorded in the ledger (state `rejected`, with the reason), then the rest is flushed.
 */
export async function flushWithEgressGuard(
  ledger: Ledger,
  transport: Transport,
  policy: EgressPolicy,
  endpoint: URL,
  options: OutboxOptions = {},
): Promise<FlushReport> {
  const guarded = guardTransport(transport, policy, endpoint);
  let rejected = 0;
  for (const rec of ledger.pending()) {
    let body: Buffer;
    try {
      body = ledger.readFile(rec);
    } catch {
      continue; // the outbox records unreadable files itself
    }
    const check = checkOutboundBody(body);
    if (!check.ok) {
      ledger.markFailed(rec.seq, `not sent (egress check): ${check.error}`, true);
      rejected++;
    }
  }
  const report = await flushOutbox(ledger, guarded, options);
  return { ...report, rejected: report.rejected + rejected };
}
