import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { GateService } from './service.js';

export interface ListenOptions {
  host: string;
  port: number;
  /** PEM certificate chain and key: serve HTTPS instead of HTTP. */
  tls?: { cert: Buffer; key: Buffer };
  /** Time to receive a whole request (headers and body); slower clients get 408. */
  requestTimeoutMs?: number;
  /** Time to receive the request headers. */
  headersTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this. */
  keepAliveTimeoutMs?: number;
}

export interface Listening {
  readonly server: Server;
  /** `http(s)://host:port` actually bound (port 0 resolved). */
  readonly url: string;
  /**
   * Graceful shutdown: stop accepting connections, answer new requests on open connections with 503, let every
   * in-flight request and webhook job finish (gate runs still going after `graceMs` are stopped and answer block),
   * then close every connection.
   */
  shutdown(graceMs: number): Promise<void>;
}

/** Bind the service on node:http (or node:https with `tls`). */
export async function listen(service: GateService, options: ListenOptions): Promise<Listening> {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (service.isDraining) res.setHeader('connection', 'close');
    void service.handle(req, res);
  };
  const server: Server = options.tls
    ? (createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler) as unknown as Server)
    : createHttpServer(handler);
  server.requestTimeout = options.requestTimeoutMs ?? 60_000;
  server.headersTimeout = options.headersTimeoutMs ?? 20_000;
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `${options.tls ? 'https' : 'http'}://${host}:${addr.port}`;
  let closing: Promise<void> | undefined;
  return {
    server,
    url,
    shutdown(graceMs: number) {
      closing ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        await service.drain(graceMs);
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 1_000);
        await closed;
        clearTimeout(force);
      })();
      return closing;
    },
  };
}
