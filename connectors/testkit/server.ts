import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it (tests assert on paths, auth and Range headers). */
export interface SeenRequest {
  method: string;
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** When the request (head and body) had arrived, in `performance.now()` milliseconds. */
  at: number;
}

/**
 * A fault injected into the next `times` requests whose path matches. `status` answers with that status (e.g. 429
 * with a `Retry-After` header, 500); `dropAfter` sends that many body bytes, then destroys the socket;
 * `delayMs` waits before answering (slow first byte).
 */
export interface Fault {
  path: RegExp;
  method?: string;
  times: number;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  dropAfter?: number;
  delayMs?: number;
}

export interface RequestContext {
  url: URL;
  body: Buffer;
  /** The fault taken for this request, if any, for handlers that stream bodies (dropAfter). */
  fault: Fault | undefined;
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
) => void | Promise<void>;

/** A node:http server on 127.0.0.1, port 0, with a request log and fault injection. */
export class TestServer {
  readonly requests: SeenRequest[] = [];
  private readonly faults: Fault[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(handler: Handler): Promise<TestServer> {
    const box: { self?: TestServer } = {};
    const server = createServer((req, res) => void box.self!.dispatch(req, res, handler));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const self = new TestServer(server, `http://127.0.0.1:${port}`);
    box.self = self;
    return self;
  }

  inject(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  /** Requests whose path (without query) matches. */
  seen(path: RegExp, method?: string): SeenRequest[] {
    return this.requests.filter((r) => path.test(r.url.split('?')[0]!) && (!method || r.method === method));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, handler: Handler): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: { ...req.headers },
      at: performance.now(),
    });
    const fault = this.takeFault(req.method ?? 'GET', url.pathname);
    try {
      if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault?.status) {
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(fault.body ?? '{}');
        return;
      }
      await handler(req, res, { url, body: Buffer.concat(chunks), fault });
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`test server error: ${(err as Error).message}`);
    }
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const i = this.faults.findIndex((f) => f.path.test(path) && (!f.method || f.method === method));
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    if (--f.times <= 0) this.faults.splice(i, 1);
    return f;
  }
}

/** Send JSON. */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/**
 * Serve bytes as object stores and CDNs do: `Accept-Ranges`, `Range: bytes=a-[b]` answered with 206 and
 * `Content-Range`, 416 when unsatisfiable, `ETag`. With `rangeSupport: false` a Range is ignored (200, full body).
 * A fault's `dropAfter` sends that many body bytes, then destroys the connection.
 */
export function sendBytes(
  req: IncomingMessage,
  res: ServerResponse,
  bytes: Uint8Array,
  options: {
    etag?: string;
    headers?: Record<string, string>;
    rangeSupport?: boolean;
    fault?: Fault | undefined;
  } = {},
): void {
  const headers: Record<string, string | number> = {
    'content-type': 'application/octet-stream',
    ...options.headers,
  };
  if (options.etag) headers.etag = options.etag;
  let start = 0;
  let end = bytes.length - 1;
  let status = 200;
  const range = options.rangeSupport === false ? undefined : req.headers.range;
  if (options.rangeSupport !== false) headers['accept-ranges'] = 'bytes';
  if (range) {
    const m = /^bytes=(\d+)-(\d*)$/.exec(range);
    if (!m || Number(m[1]) >= bytes.length) {
      res.writeHead(416, { 'content-range': `bytes */${bytes.length}` });
      res.end();
      return;
    }
    start = Number(m[1]);
    if (m[2]) end = Math.min(end, Number(m[2]));
    status = 206;
    headers['content-range'] = `bytes ${start}-${end}/${bytes.length}`;
  }
  const body = Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.max(0, end - start + 1));
  headers['content-length'] = body.length;
  res.writeHead(status, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const drop = options.fault?.dropAfter;
  if (drop !== undefined && drop < body.length) {
    res.write(body.subarray(0, drop), () => setTimeout(() => res.socket?.destroy(), 5));
    return;
  }
  res.end(body);
}
