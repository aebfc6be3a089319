import { egressDenied } from '../../evidence/emit/egress-denied.js';
import type { EgressPolicy } from '../../evidence/emit/egress-policy.js';
import { LeanAgent, type LeanBody } from './lean-get.js';

export interface ArtifactGetOptions {
  headers: Record<string, string>;
  signal?: AbortSignal | undefined;
  egress?: EgressPolicy | undefined;
  agent: LeanAgent;
  /** Wait for the response head. */
  headersTimeoutMs: number;
  /** Longest silence of the connection while the body streams. */
  bodyTimeoutMs: number;
  maxRedirects: number;
}

export interface ArtifactResponse {
  status: number;
  headers: Headers;
  body: LeanBody;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Request headers that must not follow a redirect to another origin. */
const CREDENTIALS = ['authorization', 'proxy-authorization', 'cookie'];

/**
 * GET an artifact body (connectors/http/lean-get.ts: a small HTTP/1.1 client that reads into reused buffers). Why
 * not undici here: undici's wasm parser copies every body byte into wasm memory; measured on a 2-core VM over
 * 2 GiB from a loopback server, undici spent 3.4 s of CPU and node:http 1.5 s, and node:http's per-read buffers
 * in turn cost mark-compacts that lean-get avoids (docs/registries.md, "Download path"). Everything else
 * (listings, JSON APIs, evidence delivery) stays on undici.
 *
 * Each hop is checked against the egress allowlist before its socket is opened; redirects (301/302/303/307/308)
 * are followed up to `maxRedirects`, dropping credentials across origins, and a redirect past the limit (or
 * without a Location) is returned as it is, for the caller to refuse.
 */
export async function artifactGet(url: string, o: ArtifactGetOptions): Promise<ArtifactResponse> {
  let current = new URL(url);
  let headers = { ...o.headers };
  for (let hop = 0; ; hop++) {
    check(current, o.egress);
    const res = await o.agent.get({
      url: current,
      headers,
      signal: o.signal,
      headersTimeoutMs: o.headersTimeoutMs,
      bodyTimeoutMs: o.bodyTimeoutMs,
    });
    const location = res.headers.location;
    if (!REDIRECTS.has(res.status) || location === undefined || hop >= o.maxRedirects)
      return { status: res.status, headers: toHeaders(res.headers), body: res.body };
    res.body.discard();
    const next = new URL(location, current);
    if (next.origin !== current.origin) {
      headers = { ...headers };
      for (const k of Object.keys(headers)) if (CREDENTIALS.includes(k.toLowerCase())) delete headers[k];
    }
    current = next;
  }
}

function check(u: URL, egress: EgressPolicy | undefined): void {
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw egressDenied(`scheme ${u.protocol} is not allowed`, `GET ${u.origin}`);
  if (!egress) return;
  const decision = egress.check({ protocol: u.protocol, hostname: u.hostname, port: u.port });
  if (!decision.allowed) throw egressDenied(decision.reason, 'GET request');
}

function toHeaders(raw: Record<string, string>): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) h.append(k, v);
  return h;
}
