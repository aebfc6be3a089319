import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PolicyScope, ResolvedPolicy } from '../../scanner/policy/types.js';
import type { GateOutcome } from '../types.js';
import { bearerOk } from './auth.js';
import { BodyError, parseJsonObject, readBody } from './body.js';
import { GateMetrics } from './metrics.js';
import { outcomeStatus, sendError, sendJson } from './respond.js';
import { SingleFlight } from './single-flight.js';
import { DEFAULT_SERVICE_LIMITS, type GateServiceOptions, type ServiceLimits } from './types.js';
import { WebhookReceiver } from './webhook.js';

/** Longest reference a request may name. */
export const MAX_REFERENCE_LENGTH = 2048;

/**
 * The HTTP service's request handling, independent of the listening socket (listen.ts): routes, bearer auth,
 * bounded bodies, one shared gate run per reference (single flight), metrics, and draining for shutdown.
 */
export class GateService {
  readonly metrics: GateMetrics;
  readonly limits: ServiceLimits;
  private readonly flights = new SingleFlight<GateOutcome>();
  private readonly aborts = new Set<AbortController>();
  private readonly webhook: WebhookReceiver | undefined;
  private requests = 0;
  private draining = false;
  private idle: (() => void)[] = [];

  constructor(private readonly options: GateServiceOptions) {
    this.limits = { ...DEFAULT_SERVICE_LIMITS, ...options.limits };
    this.metrics = new GateMetrics({
      inflight: () => this.flights.size,
      evidencePending: () => options.evidencePending(),
    });
    if (options.mlflow)
      this.webhook = new WebhookReceiver(
        { ...options.mlflow, policy: options.defaultPolicy },
        this.metrics,
        (ref, policy, scope) => this.gate(ref, policy, scope).promise,
        options.now ?? Date.now,
        options.onEvent,
      );
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Handle one request. Never throws. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const path = (req.url ?? '/').split('?')[0]!;
    const route = ['/healthz', '/readyz', '/metrics', '/v1/gate', '/v1/webhooks/mlflow'].includes(path)
      ? path
      : 'other';
    res.on('finish', () => this.metrics.requests.inc({ route, status: String(res.statusCode) }));
    try {
      await this.route(req, res, path);
    } catch (err) {
      if (!res.headersSent) {
        if (err instanceof BodyError)
          sendError(res, err.status, err.status === 413 ? 'TOO_LARGE' : 'BAD_REQUEST', err.message);
        else sendError(res, 500, 'INTERNAL', 'internal error');
      } else res.destroy();
    } finally {
      this.requests--;
      this.settleIfIdle();
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    const only = (m: string): boolean => {
      if (method === m) return true;
      sendError(res, 405, 'METHOD_NOT_ALLOWED', `${path} answers ${m} only`, { allow: m });
      return false;
    };
    if (path === '/healthz') return void (only('GET') && sendJson(res, 200, { status: 'ok' }));
    if (path === '/readyz') {
      if (!only('GET')) return;
      const why = this.draining ? 'shutting down' : this.options.ready();
      return why === null
        ? sendJson(res, 200, { status: 'ready' })
        : sendJson(res, 503, { status: 'not ready', reason: why });
    }
    if (path === '/v1/webhooks/mlflow') {
      // Authenticated by MLflow's HMAC signature (MLflow cannot send a bearer token), never by the bearer token.
      if (!this.webhook)
        return sendError(
          res,
          404,
          'NOT_FOUND',
          'the MLflow webhook receiver is not configured (--mlflow-webhook-secret-file)',
        );
      if (!only('POST')) return;
      if (this.draining)
        return sendError(res, 503, 'SHUTTING_DOWN', 'shutting down; MLflow retries on 503', {
          connection: 'close',
          'retry-after': '5',
        });
      return this.webhook.handle(req, res, await readBody(req, this.limits.maxBodyBytes));
    }
    if (!bearerOk(req.headers.authorization, this.options.token)) {
      return sendError(res, 401, 'UNAUTHORIZED', 'a valid bearer token is required', {
        'www-authenticate': 'Bearer realm="cavra-scan"',
      });
    }
    if (path === '/metrics') {
      if (!only('GET')) return;
      const text = this.metrics.render();
      res.writeHead(200, {
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
        'cache-control': 'no-store',
      });
      return void res.end(text);
    }
    if (path === '/v1/gate') {
      if (!only('POST')) return;
      if (this.draining)
        return sendError(res, 503, 'SHUTTING_DOWN', 'shutting down; retry on another replica', {
          connection: 'close',
          'retry-after': '5',
        });
      return this.gateRequest(req, res);
    }
    sendError(res, 404, 'NOT_FOUND', `no route ${path.slice(0, 200)}`);
  }

  private async gateRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const doc = parseJsonObject(req, await readBody(req, this.limits.maxBodyBytes));
    const extra = Object.keys(doc).filter((k) => k !== 'reference' && k !== 'policy');
    if (extra.length)
      throw new BodyError(400, `unknown field ${extra[0]!.slice(0, 64)} (expected reference, policy)`);
    const ref = doc.reference;
    if (typeof ref !== 'string' || ref.length === 0 || ref.length > MAX_REFERENCE_LENGTH)
      throw new BodyError(400, `reference must be a string of 1 to ${MAX_REFERENCE_LENGTH} characters`);
    let policy = this.options.defaultPolicy;
    if (doc.policy !== undefined) {
      if (typeof doc.policy !== 'string')
        throw new BodyError(400, 'policy must be the name of a bundled policy pack');
      try {
        policy = this.options.resolvePolicy(doc.policy);
      } catch (err) {
        throw new BodyError(400, (err as Error).message);
      }
    }
    const { promise, shared } = this.gate(ref, policy);
    if (shared) this.metrics.shared.inc();
    const outcome = await promise;
    sendJson(res, outcomeStatus(outcome), outcome);
  }

  /** One gate run per (reference, policy, scope) at a time; later callers share it. */
  gate(
    reference: string,
    policy: ResolvedPolicy,
    scope?: Partial<PolicyScope>,
  ): { promise: Promise<GateOutcome>; shared: boolean } {
    const key = JSON.stringify([reference, policy.sha256, scope ?? null]);
    return this.flights.run(key, async () => {
      const ac = new AbortController();
      this.aborts.add(ac);
      const timer = setTimeout(
        () => ac.abort(new DOMException('gate timed out', 'TimeoutError')),
        this.limits.gateTimeoutMs,
      );
      const started = performance.now();
      try {
        const o = await this.options.runGate({
          reference,
          policy,
          ...(scope ? { scope } : {}),
          signal: ac.signal,
        });
        const source = o.error ? 'error' : o.evidence?.reused ? 'evidence' : 'scan';
        this.metrics.decisions.inc({ decision: o.decision, source });
        if (source === 'scan') this.metrics.scanDuration.observe((performance.now() - started) / 1000);
        this.metrics.bytesScanned.inc({}, o.bytes_scanned);
        return o;
      } finally {
        clearTimeout(timer);
        this.aborts.delete(ac);
      }
    });
  }

  /**
   * Stop taking work and wait until every request and webhook job has finished; after `graceMs`, stop the gate
   * runs still going (they answer block with TIMEOUT) and wait for them to settle.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    const idle = new Promise<void>((r) => this.idle.push(r));
    this.settleIfIdle();
    const timer = setTimeout(() => {
      for (const ac of this.aborts) ac.abort(new DOMException('shutting down', 'TimeoutError'));
    }, graceMs);
    await Promise.all([idle, this.webhook?.drain()]);
    clearTimeout(timer);
  }

  private settleIfIdle(): void {
    if (!this.draining || this.requests > 0) return;
    for (const r of this.idle.splice(0)) r();
  }
}
