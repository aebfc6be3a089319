import { createRequire } from 'node:module';
import type { Dispatcher } from 'undici';
import type { EgressPolicy } from './egress-policy.js';
import type { ControlPlaneConfig } from './control-plane.js';

/*
 * undici and the egress guard (which imports it) are loaded on the first request, not imported: every CLI command
 * links this module (scan, gate and registry record evidence), and loading undici cost about 0.14 s of CPU per
 * start, also for runs that deliver nothing (no control plane configured, or `--version`).
 */
const require = createRequire(import.meta.url);
type Undici = typeof import('undici');

/** What one POST came back with. */
export type TransportResult =
  { kind: 'response'; status: number; retryAfter?: string } | { kind: 'network-error'; message: string };

/** Sends one envelope. Injected into the outbox so tests and other transports can replace it. */
export interface Transport {
  post(body: Buffer, idempotencyKey: string): Promise<TransportResult>;
  close(): Promise<void>;
}

function dispatcherFor(
  { Agent, EnvHttpProxyAgent, ProxyAgent }: Undici,
  cfg: ControlPlaneConfig,
  env: NodeJS.ProcessEnv,
): Dispatcher {
  const tls = { ...(cfg.ca ? { ca: cfg.ca } : {}), ...(cfg.cert ? { cert: cfg.cert, key: cfg.key } : {}) };
  if (cfg.proxyUrl) return new ProxyAgent({ uri: cfg.proxyUrl, requestTls: tls });
  const httpsProxy = env.HTTPS_PROXY ?? env.https_proxy;
  const httpProxy = env.HTTP_PROXY ?? env.http_proxy;
  if (httpsProxy || httpProxy) {
    const noProxy = env.NO_PROXY ?? env.no_proxy;
    return new EnvHttpProxyAgent({
      ...(httpsProxy ? { httpsProxy } : {}),
      ...(httpProxy ? { httpProxy } : {}),
      ...(noProxy !== undefined ? { noProxy } : {}),
      connect: tls,
      requestTls: tls,
    });
  }
  return new Agent({ connect: tls });
}

/** POST `{url}/v1/evidence` with undici: bearer token, Idempotency-Key, custom CA, mTLS, proxy, timeout. */
export function createHttpTransport(
  cfg: ControlPlaneConfig,
  env: NodeJS.ProcessEnv,
  egress?: EgressPolicy,
): Transport {
  if (cfg.proxyUrl) new URL(cfg.proxyUrl); // a malformed proxy URL is refused here, as before the lazy load
  let http: Promise<{ request: Undici['request']; dispatcher: Dispatcher }> | undefined;
  const open = () =>
    (http ??= (async () => {
      const undici = require('undici') as Undici;
      const base = dispatcherFor(undici, cfg, env);
      // With an egress allowlist, a request to any other origin is refused before a connection is made.
      const { guardDispatcher } = await import('./egress-guard.js');
      return { request: undici.request, dispatcher: egress ? guardDispatcher(base, egress) : base };
    })());
  return {
    async post(body, idempotencyKey) {
      const { request, dispatcher } = await open();
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
        'user-agent': 'cavra-scan',
      };
      if (cfg.token) headers.authorization = `Bearer ${cfg.token}`;
      try {
        const res = await request(cfg.endpoint, {
          method: 'POST',
          body,
          headers,
          dispatcher,
          signal: AbortSignal.timeout(cfg.timeoutMs),
          headersTimeout: cfg.timeoutMs,
          bodyTimeout: cfg.timeoutMs,
        });
        await res.body.dump({ limit: 64 * 1024 });
        const ra = res.headers['retry-after'];
        const retryAfter = Array.isArray(ra) ? ra[0] : ra;
        return retryAfter !== undefined
          ? { kind: 'response', status: res.statusCode, retryAfter }
          : { kind: 'response', status: res.statusCode };
      } catch (err) {
        return { kind: 'network-error', message: (err as Error).message || String(err) };
      }
    },
    async close() {
      if (http) await (await http).dispatcher.close();
    },
  };
}
