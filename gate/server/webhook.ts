import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PolicyScope, ResolvedPolicy } from '../../scanner/policy/types.js';
import type { GateOutcome } from '../types.js';
import { parseJsonObject } from './body.js';
import type { GateMetrics } from './metrics.js';
import { webhookJob, WRITEBACK_TAG_PREFIX } from './mlflow-event.js';
import { DEFAULT_WEBHOOK_TOLERANCE_MS, verifyMlflowDelivery } from './mlflow-signature.js';
import type { TagWriter } from './mlflow-tags.js';
import { sendError, sendJson } from './respond.js';
import type { ServiceEvent } from './types.js';

/** Delivery ids remembered (for the tolerance window) to answer MLflow's retries without gating twice. */
export const MAX_REMEMBERED_DELIVERIES = 10_000;

type Gate = (reference: string, policy: ResolvedPolicy, scope?: Partial<PolicyScope>) => Promise<GateOutcome>;

/**
 * `POST /v1/webhooks/mlflow`: verifies each delivery exactly as MLflow signs it, answers 202 at once (MLflow waits
 * only its request timeout), gates the model version in the background and, when configured, writes the answer
 * back as model version tags. Jobs are tracked so shutdown waits for them.
 */
export class WebhookReceiver {
  private readonly seen = new Map<string, number>();
  private readonly jobs = new Set<Promise<void>>();

  constructor(
    private readonly config: {
      secret: string;
      toleranceMs?: number;
      writer?: TagWriter;
      policy: ResolvedPolicy;
    },
    private readonly metrics: GateMetrics,
    private readonly gate: Gate,
    private readonly now: () => number,
    private readonly onEvent?: (e: ServiceEvent) => void,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const tolerance = this.config.toleranceMs ?? DEFAULT_WEBHOOK_TOLERANCE_MS;
    const check = verifyMlflowDelivery(req.headers, body, this.config.secret, this.now(), tolerance);
    if (!check.ok) {
      this.metrics.webhooks.inc({ result: check.code.toLowerCase() });
      return sendError(res, check.status, check.code, check.message);
    }
    if (this.remembered(check.deliveryId, tolerance)) {
      this.metrics.webhooks.inc({ result: 'duplicate' });
      return sendJson(res, 200, { status: 'duplicate', delivery_id: check.deliveryId });
    }
    const job = webhookJob(parseJsonObject(req, body));
    if (job.kind === 'invalid') {
      this.metrics.webhooks.inc({ result: 'invalid' });
      return sendError(res, 400, 'BAD_REQUEST', job.reason);
    }
    if (job.kind === 'ignore') {
      this.metrics.webhooks.inc({ result: 'ignored' });
      return sendJson(res, 200, { status: 'ignored', event: job.event, reason: job.reason });
    }
    this.metrics.webhooks.inc({ result: 'accepted' });
    const scope: Partial<PolicyScope> = {
      registry: 'mlflow',
      model: job.name,
      ...(job.alias ? { alias: job.alias } : {}),
    };
    const run = this.gate(job.reference, this.config.policy, scope)
      .then((o) => this.writeBack(job.name, job.version, o))
      .catch((err: unknown) =>
        this.onEvent?.({
          level: 'warn',
          message: `webhook job for ${job.reference} failed: ${(err as Error)?.message ?? String(err)}`,
        }),
      );
    this.jobs.add(run);
    void run.finally(() => this.jobs.delete(run));
    sendJson(res, 202, {
      status: 'accepted',
      event: job.event,
      delivery_id: check.deliveryId,
      reference: job.reference,
    });
  }

  private async writeBack(name: string, version: string, o: GateOutcome): Promise<void> {
    this.onEvent?.({
      level: 'info',
      message: `${o.decision.toUpperCase()} ${o.resolved ?? o.reference} risk=${o.risk_score} (MLflow webhook)`,
    });
    if (!this.config.writer) return;
    const tags = {
      [`${WRITEBACK_TAG_PREFIX}gate.decision`]: o.decision,
      [`${WRITEBACK_TAG_PREFIX}gate.detail`]: `risk=${o.risk_score} exit=${o.exit_code} evidence=${o.evidence?.id ?? 'none'} policy=${o.policy.id} at=${o.checked_at}`,
    };
    try {
      await this.config.writer.setTags(name, version, tags);
      this.metrics.writebacks.inc({ result: 'ok' });
    } catch (err) {
      this.metrics.writebacks.inc({ result: 'error' });
      this.onEvent?.({
        level: 'warn',
        message: `could not tag ${name}/${version}: ${(err as Error).message}`,
      });
    }
  }

  /** True when the id was seen within the window; otherwise remembers it. */
  private remembered(id: string, toleranceMs: number): boolean {
    const now = this.now();
    if (this.seen.has(id)) return true;
    if (this.seen.size >= MAX_REMEMBERED_DELIVERIES) {
      for (const [k, at] of this.seen)
        if (now - at > 2 * toleranceMs || this.seen.size >= MAX_REMEMBERED_DELIVERIES) this.seen.delete(k);
    }
    this.seen.set(id, now);
    return false;
  }

  /** Wait for every accepted delivery's gate run and write-back. */
  async drain(): Promise<void> {
    while (this.jobs.size > 0) await Promise.allSettled([...this.jobs]);
  }
}
