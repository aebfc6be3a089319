import type { Dispatcher } from 'undici';
import { STATUS_CODES } from 'node:http';
import { LeanAgent, type LeanBody } from './lean-get.js';
import { artifactGet } from './artifact-get.js';
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
const DEFAULT_HEADERS_TIMEOUT_MS = 300_000;
const DEFAULT_BODY_TIMEOUT_MS = 300_000;

/** Redirect hops followed by `stream` (fetch allows 20; registries use one, to a CDN or a presigned URL). */
const MAX_REDIRECTS = 10;

/** A streamed artifact response (`HttpClient.stream`). */
export interface StreamedResponse {
  status: number;
  headers: Headers;
  body: LeanBody;
}

/** undici's fetch bound to this client's dispatcher (loaded lazily). */
interface Undici {
  fetch(
    url: string,
    init: {
      method: string;
      headers: Record<string, string>;
      body: string | undefined;
      signal: AbortSignal | undefined;
      redirect: 'follow';
      dispatcher: Dispatcher;
    },
  ): Promise<Response>;
  dispatcher: Dispatcher;
}

/** What the retry loop needs of a response, from undici `fetch` or from lean-get. */
interface Answer<T> {
  status: number;
  headers: Headers;
  value: T;
  /** Drop the body of a response that is retried. */
  discard(): Promise<unknown>;
  text(): Promise<string>;
}

/**
 * One HTTP client per registry: undici `fetch` for API calls, lean-get for artifact bodies (`stream`); auth scoped
 * to the registry's origin, status retries with backoff and `Retry-After`, timeouts, the egress allowlist.
 * Hand-written around undici `fetch` rather than undici's retry interceptor because
 * the interceptor also resumes bodies by itself, which would double up with `openArtifact`'s connector-agnostic
 * resume (also used for S3, which does not go through undici).
 */
export class HttpClient {
  readonly retry: RetryPolicy;
  private undici: Promise<Undici> | undefined;
  private readonly downloads = new LeanAgent();

  constructor(private readonly options: HttpClientOptions = {}) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  /**
   * undici and its dispatcher, loaded on the first API request: a scan thread only streams artifact bodies
   * (lean-get.ts), and importing undici costs about 0.2 s of CPU per thread.
   */
  private loadUndici(): Promise<Undici> {
    this.undici ??= (async () => {
      const [{ Agent, fetch }, { createEgressAgent }] = await Promise.all([
        import('undici'),
        import('../../evidence/emit/egress-guard.js'),
      ]);
      const agent = {
        connectTimeout: 30_000,
        headersTimeout: this.options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
        bodyTimeout: this.options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
      };
      const dispatcher = this.options.egress
        ? createEgressAgent(this.options.egress, agent)
        : new Agent(agent);
      return { fetch: fetch as unknown as Undici['fetch'], dispatcher };
    })();
    return this.undici;
  }

  /** A fetch `Response` (JSON listings, hub.js). Artifact bodies go through `stream`, which costs less per byte. */
  request(url: string, init: RequestInit = {}): Promise<Response> {
    return this.exchange(url, init, async (method, headers) => {
      const { fetch, dispatcher } = await this.loadUndici();
      const res = await fetch(url, {
        method,
        headers,
        body: init.body,
        signal: init.signal,
        redirect: 'follow',
        dispatcher,
      });
      return {
        status: res.status,
        headers: res.headers,
        value: res,
        discard: () => res.body?.cancel().catch(() => undefined) ?? Promise.resolve(),
        text: () => res.text(),
      };
    });
  }

  /**
   * GET an artifact's bytes as a stream (connectors/http/artifact-get.ts and lean-get.ts say why this path is not
   * undici). Same auth, egress allowlist, retries, timeouts and errors as `request`.
   */
  stream(
    url: string,
    init: Omit<RequestInit, 'method' | 'body' | 'idempotent'> = {},
  ): Promise<StreamedResponse> {
    return this.exchange(url, init, async (_method, headers) => {
      const res = await artifactGet(url, {
        headers,
        signal: init.signal,
        egress: this.options.egress,
        agent: this.downloads,
        headersTimeoutMs: this.options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
        bodyTimeoutMs: this.options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
        maxRedirects: MAX_REDIRECTS,
      });
      return {
        status: res.status,
        headers: res.headers,
        value: res,
        discard: async () => res.body.discard(),
        text: () => readBodyText(res.body, ERROR_BODY_CHARS * 4),
      };
    });
  }

  /** The request loop shared by `request` and `stream`: auth, status retries with backoff and `Retry-After`. */
  private async exchange<T>(
    url: string,
    init: RequestInit,
    send: (method: string, headers: Record<string, string>) => Promise<Answer<T>>,
  ): Promise<T> {
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
      let res: Answer<T>;
      try {
        res = await send(method, headers);
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
      if (res.status < 400) return res.value;
      if (retryable && RETRY_STATUSES.has(res.status) && attempt < this.retry.attempts) {
        const asked = retryAfterMs(res.headers);
        await res.discard();
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
      if (init.allowError) return res.value;
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

  async errorFor(
    method: string,
    url: string,
    res: { status: number; headers: Headers; text(): Promise<string> },
  ): Promise<ConnectorError> {
    const body = (await res.text().catch(() => '')).slice(0, ERROR_BODY_CHARS).replace(/\s+/g, ' ');
    const detail =
      this.options.describeError?.(res.status, res.headers, body) ??
      (body.trim() || (STATUS_CODES[res.status] ?? ''));
    return new ConnectorError(
      codeForStatus(res.status),
      `${method} ${redact(url)}: HTTP ${res.status}: ${detail}`,
      { status: res.status },
    );
  }

  async close(): Promise<void> {
    const loaded = this.undici;
    this.undici = undefined;
    if (loaded) await (await loaded).dispatcher.close();
    this.downloads.close();
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

/** Up to `max` characters of an error response's body (the rest is dropped). */
async function readBodyText(body: LeanBody, max: number): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += Buffer.from(chunk).toString('utf8');
    if (text.length >= max) break; // leaving the loop destroys the rest
  }
  return text;
}
