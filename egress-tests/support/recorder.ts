import diagnostics_channel from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { REQUEST_CHANNEL } from '../../connectors/http/lean-get.js';

/** One outbound HTTP request as undici put it on the wire. */
export interface OutboundRequest {
  origin: string;
  method: string;
  path: string;
  /** The request head exactly as written to the socket (request line + headers). */
  head: string;
  body: Buffer[];
}

/** One TCP connection attempt seen by `net` (every client socket, whatever library opened it). */
export interface SocketAttempt {
  address?: string;
  port?: number;
  error?: string;
}

/** The parts of node's ClientRequest the recorder reads (`_header` is the head exactly as written). */
interface NodeClientRequest {
  protocol: string;
  method: string;
  path: string;
  getHeader(name: string): unknown;
  once(event: 'finish', fn: () => void): void;
  _header?: string | null;
}

interface UndiciRequest {
  origin: string;
  method: string;
  path: string;
}

/**
 * Records every outbound request and connection of this thread via `diagnostics_channel`: undici's
 * `undici:request:create`, `undici:client:sendHeaders`, `undici:request:bodyChunkSent`,
 * `undici:client:beforeConnect`; node's `http.client.request.start` and `net.client.socket`; the artifact
 * downloads' `cavra:lean-get:request`. Channels are per
 * thread: what runs in worker threads (the registry job's scan threads) is covered by the packet-layer test.
 */
export class EgressRecorder {
  readonly requests: OutboundRequest[] = [];
  readonly connects: { protocol: string; hostname: string; port: string }[] = [];
  readonly sockets: SocketAttempt[] = [];
  /** Requests made with node:http/https (also in `requests`); nothing in the scanner uses it. */
  readonly nodeHttp: string[] = [];
  /** Artifact downloads by connectors/http/lean-get.ts (also in `requests`). */
  readonly downloads: string[] = [];
  private readonly byRequest = new WeakMap<object, OutboundRequest>();
  private readonly subs: [string, (m: unknown) => void][] = [
    ['undici:request:create', (m) => this.onCreate(m as { request: UndiciRequest })],
    ['undici:client:sendHeaders', (m) => this.onHeaders(m as { request: UndiciRequest; headers: string })],
    [
      'undici:request:bodyChunkSent',
      (m) => this.onChunk(m as { request: UndiciRequest; chunk: Uint8Array | string }),
    ],
    [
      'undici:client:beforeConnect',
      (m) => this.onConnect(m as { connectParams: { protocol: string; hostname: string; port: string } }),
    ],
    ['http.client.request.start', (m) => this.onNodeHttp(m as { request: NodeClientRequest })],
    ['net.client.socket', (m) => this.onSocket(m as { socket: Socket })],
    [
      REQUEST_CHANNEL,
      (m) => this.onDownload(m as { origin: string; method: string; path: string; head: string }),
    ],
  ];

  start(): this {
    for (const [name, fn] of this.subs) diagnostics_channel.subscribe(name, fn);
    return this;
  }

  stop(): void {
    for (const [name, fn] of this.subs) diagnostics_channel.unsubscribe(name, fn);
  }

  /** Every origin requested or connected to. */
  destinations(): string[] {
    const set = new Set<string>(this.requests.map((r) => r.origin));
    for (const c of this.connects) set.add(`${c.protocol}//${c.hostname}:${c.port}`);
    return [...set].sort();
  }

  /** Bytes put on the wire (heads + bodies) per origin. */
  bytesTo(origin: string): number {
    return this.requests
      .filter((r) => r.origin === origin)
      .reduce((n, r) => n + Buffer.byteLength(r.head) + r.body.reduce((m, b) => m + b.length, 0), 0);
  }

  /** Everything sent to `origin` (or everywhere), as one buffer, for the canary search. */
  sentBytes(origin?: string): Buffer {
    const rs = origin ? this.requests.filter((r) => r.origin === origin) : this.requests;
    return Buffer.concat(
      rs.flatMap((r) => [Buffer.from(`${r.method} ${r.origin}${r.path}\n`), Buffer.from(r.head), ...r.body]),
    );
  }

  private onCreate({ request }: { request: UndiciRequest }): void {
    const r: OutboundRequest = {
      origin: new URL(request.origin).origin,
      method: request.method,
      path: request.path,
      head: '',
      body: [],
    };
    this.byRequest.set(request, r);
    this.requests.push(r);
  }

  private onHeaders({ request, headers }: { request: UndiciRequest; headers: string }): void {
    const r = this.byRequest.get(request);
    if (r) r.head += headers;
  }

  private onChunk({ request, chunk }: { request: UndiciRequest; chunk: Uint8Array | string }): void {
    this.byRequest
      .get(request)
      ?.body.push(Buffer.from(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  }

  private onConnect({
    connectParams: p,
  }: {
    connectParams: { protocol: string; hostname: string; port: string };
  }): void {
    this.connects.push({ protocol: p.protocol, hostname: p.hostname, port: String(p.port) });
  }

  /** An artifact download (connectors/http/lean-get.ts): recorded like undici's requests, head included. */
  private onDownload(m: { origin: string; method: string; path: string; head: string }): void {
    this.requests.push({ origin: m.origin, method: m.method, path: m.path, head: m.head, body: [] });
    this.downloads.push(`${m.method} ${m.origin}${m.path}`);
  }

  /** A request made with node:http/https: recorded like undici's. */
  private onNodeHttp({ request }: { request: NodeClientRequest }): void {
    const host = String(request.getHeader('host') ?? '?');
    const port = host.includes(':') ? '' : request.protocol === 'https:' ? ':443' : ':80';
    const r: OutboundRequest = {
      origin: `${request.protocol}//${host}${port}`,
      method: request.method,
      path: request.path,
      head: '',
      body: [],
    };
    this.requests.push(r);
    this.nodeHttp.push(`${r.method} ${r.origin}${r.path}`);
    // The head is stored when the request is ended (GETs only: the connectors never send a body this way).
    request.once('finish', () => (r.head = request._header ?? ''));
  }

  private onSocket({ socket }: { socket: Socket }): void {
    const a: SocketAttempt = {};
    this.sockets.push(a);
    socket.once('connect', () => {
      a.address = socket.remoteAddress;
      a.port = socket.remotePort;
    });
    socket.once('error', (err: NodeJS.ErrnoException & { address?: string; port?: number }) => {
      a.error = err.code ?? err.message;
      if (err.address) a.address = err.address;
      if (err.port) a.port = err.port;
    });
  }
}
