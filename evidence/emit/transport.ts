import { guardDispatcher } from './egress-guard.js';
import type { EgressPolicy } from './egress-policy.js';
import { Agent, EnvHttpProxyAgent, ProxyAgent, request, type Dispatcher } from 'undici';
import type { ControlPlaneConfig } from './control-plane.js';

/** What one POST came back with. */
export type TransportResult =
  { kind: 'response'; status: number; retryAfter?: string } | { kind: 'network-error'; message: string };

/** Sends one envelope. Injected into the outbox so tests and other transports can replace it. */
export interface Transport {
  post(body: Buffer, idempotencyKey: string): Promise<TransportResult>;
  close(): Promise<void>;
}

function dispatcherFor(cfg: ControlPlaneConfig, env: NodeJS.ProcessEnv): Dispatcher {
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
  // With an egress allowlist, a request to any other origin is refused before a connection is made.
  const dispatcher = egress ? guardDispatcher(dispatcherFor(cfg, env), egress) : dispatcherFor(cfg, env);
  return {
    async post(body, idempotencyKey) {
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
      await dispatcher.close();
    },
  };
}
