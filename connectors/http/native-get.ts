import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { egressDenied } from '../../evidence/emit/egress-denied.js';
import type { EgressPolicy } from '../../evidence/emit/egress-policy.js';

/** Keep-alive connection pools of one HttpClient, one per scheme. */
export interface NativeAgents {
  http: http.Agent;
  https: https.Agent;
}

export function nativeAgents(): NativeAgents {
  return { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
}

export interface NativeGetOptions {
  headers: Record<string, string>;
  signal?: AbortSignal | undefined;
  egress?: EgressPolicy | undefined;
  agents: NativeAgents;
  /** Wait for the response head. */
  headersTimeoutMs: number;
  /** Longest silence of the connection while the body streams. */
  bodyTimeoutMs: number;
  maxRedirects: number;
}

export interface NativeResponse {
  status: number;
  headers: Headers;
  body: IncomingMessage;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Request headers that must not follow a redirect to another origin. */
const CREDENTIALS = ['authorization', 'proxy-authorization', 'cookie'];

/**
 * GET with Node's own http/https client, for artifact bodies only. Why not undici here: undici's wasm parser copies
 * every body byte into wasm memory and its paused sockets hand over re-allocated reads; measured on a 2-core VM
 * over 2 GiB from a loopback server, undici spent 3.4 s of CPU and node:http 1.5 s, and with two streams at once
 * undici scaled 1.23x against 1.63x (docs/registries.md, "Download path"). Everything else (listings, JSON APIs,
 * evidence delivery) stays on undici.
 *
 * Each hop is checked against the egress allowlist before its socket is opened; redirects (301/302/303/307/308)
 * are followed up to `maxRedirects`, dropping credentials across origins, and a redirect past the limit (or
 * without a Location) is returned as it is, for the caller to refuse.
 */
export async function nativeGet(url: string, o: NativeGetOptions): Promise<NativeResponse> {
  let current = new URL(url);
  let headers = { ...o.headers };
  for (let hop = 0; ; hop++) {
    const res = await once(current, headers, o);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined || hop >= o.maxRedirects)
      return { status: res.statusCode ?? 0, headers: toHeaders(res.headers), body: res };
    res.resume(); // drop the redirect's body; its connection goes back to the pool
    const next = new URL(location, current);
    if (next.origin !== current.origin) {
      headers = { ...headers };
      for (const k of Object.keys(headers)) if (CREDENTIALS.includes(k.toLowerCase())) delete headers[k];
    }
    current = next;
  }
}

function once(u: URL, headers: Record<string, string>, o: NativeGetOptions): Promise<IncomingMessage> {
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return Promise.reject(egressDenied(`scheme ${u.protocol} is not allowed`, `GET ${u.origin}`));
  if (o.egress) {
    const decision = o.egress.check({ protocol: u.protocol, hostname: u.hostname, port: u.port });
    if (!decision.allowed) return Promise.reject(egressDenied(decision.reason, 'GET request'));
  }
  const client = u.protocol === 'https:' ? https : http;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = client.request(u, {
      method: 'GET',
      headers,
      agent: u.protocol === 'https:' ? o.agents.https : o.agents.http,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const headTimer = setTimeout(
      () => req.destroy(new Error(`no response headers within ${o.headersTimeoutMs} ms`)),
      o.headersTimeoutMs,
    );
    req.once('response', (res) => {
      clearTimeout(headTimer);
      req.setTimeout(o.bodyTimeoutMs, () =>
        req.destroy(new Error(`body silent for more than ${o.bodyTimeoutMs} ms`)),
      );
      resolve(res);
    });
    req.on('error', (err) => {
      clearTimeout(headTimer);
      reject(err);
    });
    req.end();
  });
}

function toHeaders(raw: IncomingHttpHeaders): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
  }
  return h;
}
