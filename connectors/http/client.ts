import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { createEgressAgent } from '../../evidence/emit/egress-guard.js';
import type { EgressPolicy } from '../../evidence/emit/egress-policy.js';
import { ConnectorError, codeForStatus } from '../errors.js';
import { readText } from './read-bounded.js';
import {
  backoffMs,
  DEFAULT_RETRY,
  RETRY_STATUSES,
  retryAfterMs,
  wait,
  type RetryPolicy,
} from './retry-policy.js';

export interface HttpClientOptions {
  /** `Authorization` header value, sent only to `authOrigin` (never to CDNs or presigned URLs). */
  authorization?: string;
  /** Origin (`scheme://host:port`) that receives `authorization`. */
  authOrigin?: string;
  retry?: Partial<RetryPolicy>;
  /** Wait for response headers (MLflow's proxy copies the whole file before its first byte: keep it long). */
  headersTimeoutMs?: number;
  /** Longest silence between two body chunks. */
  bodyTimeoutMs?: number;
  /** Turns an error response into a message (registry-specific error bodies). */
  describeError?: (status: number, headers: Headers, body: string) => string;
  /** Egress allowlist: requests (and redirects) elsewhere are refused before a connection is made. */
  egress?: EgressPolicy;
}

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal | undefined;
  /** Retry POSTs too (GraphQL reads are idempotent). GET/HEAD are always retried. */
  idempotent?: boolean;
  /** Return error responses (status >= 400) instead of throwing. */
  allowError?: boolean;
}

const ERROR_BODY_CHARS = 300;

/**
 * One undici-based HTTP client per registry: auth scoped to the registry's origin, status retries with backoff
 * and `Retry-After`, timeouts. Hand-written around undici `fetch` rather than undici's retry interceptor because
 * the interceptor also resumes bodies by itself, which would double up with `openArtifact`'s connector-agnostic
 * resume (also used for S3, which does not go through undici).
 */
export class HttpClient {
  readonly retry: RetryPolicy;
  private readonly dispatcher: Dispatcher;

  constructor(private readonly options: HttpClientOptions = {}) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    const agent = {
      connectTimeout: 30_000,
      headersTimeout: options.headersTimeoutMs ?? 300_000,
      bodyTimeout: options.bodyTimeoutMs ?? 300_000,
    };
    this.dispatcher = options.egress ? createEgressAgent(options.egress, agent) : new Agent(agent);
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const method = init.method ?? 'GET';
    const retryable = method === 'GET' || method === 'HEAD' || init.idempotent === true;
    const headers: Record<string, string> = { ...init.headers };
    if (
      this.options.authorization &&
      this.options.authOrigin &&
      new URL(url).origin === this.options.authOrigin
    ) {
      headers.authorization = this.options.authorization;
    }
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = (await undiciFetch(url, {
          method,
          headers,
          body: init.body,
          signal: init.signal,
          redirect: 'follow',
          dispatcher: this.dispatcher,
        })) as unknown as Response;
      } catch (err) {
        if (init.signal?.aborted) throw err;
        // A refusal by the egress allowlist is configuration, not a network fault: never retried.
        const denied = egressRefusal(err);
        if (denied)
          throw new ConnectorError('NETWORK', `${method} ${redact(url)} refused: ${denied}`, { cause: err });
        if (!retryable || attempt >= this.retry.attempts) {
          throw new ConnectorError('NETWORK', `${method} ${redact(url)} failed: ${causeMessage(err)}`, {
            cause: err,
          });
        }
        await wait(backoffMs(this.retry, attempt), init.signal);
        continue;
      }
      if (res.status < 400) return res;
      if (retryable && RETRY_STATUSES.has(res.status) && attempt < this.retry.attempts) {
        const asked = retryAfterMs(res.headers);
        await res.body?.cancel().catch(() => undefined);
        if (asked !== undefined && asked > this.retry.maxRetryAfterMs) {
          throw new ConnectorError(
            'RATE_LIMITED',
            `${method} ${redact(url)}: server asked to wait ${asked} ms`,
            { status: res.status },
          );
        }
        await wait(asked ?? backoffMs(this.retry, attempt), init.signal);
        continue;
      }
      if (init.allowError) return res;
      throw await this.errorFor(method, url, res);
    }
  }

  /** GET (or POST) and parse JSON; malformed JSON is a BAD_RESPONSE. */
  async json<T>(url: string, init: RequestInit = {}): Promise<T> {
    const res = await this.request(url, {
      ...init,
      headers: { accept: 'application/json', ...init.headers },
    });
    const text = await readText(res, redact(url));
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ConnectorError('BAD_RESPONSE', `${redact(url)}: response is not JSON`, {
        status: res.status,
      });
    }
  }

  /** A `fetch` for libraries (hub.js) that goes through this client's auth, retries and timeouts. */
  readonly fetch = (async (
    input: string | URL | Request,
    init?: globalThis.RequestInit,
  ): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    return this.request(url, {
      method: init?.method ?? 'GET',
      headers,
      body: typeof init?.body === 'string' ? init.body : undefined,
      signal: init?.signal ?? undefined,
      allowError: true,
    });
  }) as typeof fetch;

  async errorFor(method: string, url: string, res: Response): Promise<ConnectorError> {
    const body = (await res.text().catch(() => '')).slice(0, ERROR_BODY_CHARS).replace(/\s+/g, ' ');
    const detail =
      this.options.describeError?.(res.status, res.headers, body) ?? (body.trim() || res.statusText);
    return new ConnectorError(
      codeForStatus(res.status),
      `${method} ${redact(url)}: HTTP ${res.status}: ${detail}`,
      { status: res.status },
    );
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** URL without its query (presigned URLs carry signatures in it). */
export function redact(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/** The message of an EGRESS_DENIED CavraError behind a fetch failure, if that is what it is. */
function egressRefusal(err: unknown): string | undefined {
  for (
    let e = err as { code?: unknown; message?: string; cause?: unknown } | undefined, i = 0;
    e && i < 4;
    i++
  ) {
    if (e.code === 'EGRESS_DENIED') return e.message;
    e = e.cause as typeof e;
  }
  return undefined;
}

function causeMessage(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
