import diagnostics_channel from 'node:diagnostics_channel';
import net from 'node:net';
import tls from 'node:tls';

/*
 * A minimal HTTP/1.1 GET client for artifact bodies, hand-written on purpose. node:http (like undici) hands every
 * socket read over in a freshly allocated 64 KiB buffer; at hundreds of MB/s per stream those buffers count as V8
 * external memory and start a mark-compact every few dozen MB (70 per 2 GiB measured), whose concurrent marking
 * competes with the scan threads for the cores. Reading with `onread` into a small ring of reused buffers removes
 * the allocations: over 2 GiB from a loopback nginx, download + SHA-256 took 2.6 s of CPU against 4.1 s with
 * node:http. Only what a registry download needs is implemented: GET, status line and headers (bounded),
 * Content-Length, chunked or read-to-close bodies, keep-alive reuse, TLS. Anything ambiguous is an error.
 */

/**
 * Every request head this client writes, published as `{ origin, method, path, head }` (as undici publishes its
 * own on `undici:client:sendHeaders`), so that egress tests can see exactly what leaves.
 */
export const REQUEST_CHANNEL = 'cavra:lean-get:request';
const requests = diagnostics_channel.channel(REQUEST_CHANNEL);

/** Largest response head (status line + headers). */
export const MAX_HEAD_BYTES = 64 * 1024;
/** Reads go into a ring of this many buffers of READ_BYTES each. */
const RING = 6;
const READ_BYTES = 256 * 1024;
/** A chunk yielded to the reader stays valid until it has asked for this many more (scanStream's contract: 2). */
const HOLD = 3;
const MAX_CHUNK_LINE = 1024;

export interface LeanResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", " (set-cookie is never needed here). */
  headers: Record<string, string>;
  body: LeanBody;
}

/** The body: read it to the end, or `discard()` / `destroy()` it. */
export interface LeanBody extends AsyncIterable<Uint8Array> {
  /** Drop the rest of the body (the connection is closed unless the body was already complete). */
  discard(): void;
  destroy(err?: Error): void;
}

export interface LeanRequest {
  url: URL;
  headers: Record<string, string>;
  signal?: AbortSignal | undefined;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };

/** Keep-alive connections of one HTTP client, at most one idle socket per origin. */
export class LeanAgent {
  private readonly idle = new Map<string, Connection>();
  private closed = false;

  /** `ca`: trust these certificates instead of Node's default CAs (a private registry's CA; tests). */
  constructor(private readonly tlsOptions: { ca?: string | Buffer } = {}) {}

  /** GET `req.url`; resolves once the response head has arrived. Throws on network and protocol errors. */
  async get(req: LeanRequest): Promise<LeanResponse> {
    if (this.closed) throw new Error('the HTTP client is closed');
    const origin = req.url.origin;
    let conn = this.idle.get(origin);
    this.idle.delete(origin);
    if (conn && !conn.usable()) conn = undefined;
    const reused = conn !== undefined;
    conn ??= new Connection(req.url, this.tlsOptions);
    try {
      return await conn.request(req, (c) => this.release(origin, c));
    } catch (err) {
      conn.destroy();
      // A kept-alive socket the server closed meanwhile: one fresh connection, then the error stands.
      if (reused && !req.signal?.aborted && (err as { code?: string }).code === 'ECONNRESET_IDLE')
        return this.get(req);
      throw err;
    }
  }

  close(): void {
    this.closed = true;
    for (const c of this.idle.values()) c.destroy();
    this.idle.clear();
  }

  private release(origin: string, c: Connection): void {
    if (this.closed || this.idle.has(origin) || !c.usable()) c.destroy();
    else this.idle.set(origin, c);
  }
}

/** One socket with its read ring; one request at a time. */
class Connection {
  private readonly socket: net.Socket;
  private readonly ring = Array.from({ length: RING }, () => Buffer.allocUnsafe(READ_BYTES));
  private next = 0;
  /** Buffers filled by a read and not yet released by the reader. */
  private held = 0;
  private paused = false;
  private connected = false;
  private dead: Error | undefined;
  /** Why the body timeout fired (set per response). */
  private silence = 'connection silent';
  private sink: ((chunk: Buffer) => void) | undefined;
  /** `clean`: the server closed the connection with no error (what ends a read-to-close body). */
  private ended: ((err: Error, clean: boolean) => void) | undefined;

  constructor(url: URL, tlsOptions: { ca?: string | Buffer }) {
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const onread = {
      buffer: () => this.ring[this.next++ % RING]!,
      callback: (n: number, buf: Buffer) => this.onRead(buf.subarray(0, n)),
    };
    this.socket =
      url.protocol === 'https:'
        ? tls.connect({
            host,
            port,
            ...(net.isIP(host) ? {} : { servername: host }),
            ALPNProtocols: ['http/1.1'],
            ...(tlsOptions.ca ? { ca: tlsOptions.ca } : {}),
            // TLS sockets are net.Sockets and honour `onread` (tested); @types/node leaves it out of the type.
            onread,
          } as tls.ConnectionOptions)
        : net.connect({ host, port, onread });
    this.socket.setNoDelay(true);
    this.socket.on('timeout', () => this.destroy(new Error(this.silence)));
    this.socket.on(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => (this.connected = true));
    this.socket.on('error', (err) => this.fail(err, false));
    this.socket.on('close', (hadError) =>
      this.fail(closedError(this.connected), !hadError && this.dead === undefined),
    );
  }

  usable(): boolean {
    return this.dead === undefined && !this.socket.destroyed;
  }

  destroy(err?: Error): void {
    this.dead ??= err ?? new Error('connection closed');
    this.socket.destroy();
  }

  request(req: LeanRequest, release: (c: Connection) => void): Promise<LeanResponse> {
    const lines = [`GET ${req.url.pathname}${req.url.search} HTTP/1.1`, `host: ${req.url.host}`];
    for (const [k, v] of Object.entries(req.headers)) {
      if (/[\r\n]/.test(k + v)) return Promise.reject(new Error(`header ${k} contains a line break`));
      if (k.toLowerCase() !== 'host') lines.push(`${k}: ${v}`);
    }
    const text = `${lines.join('\r\n')}\r\n\r\n`;
    if (requests.hasSubscribers)
      requests.publish({
        origin: req.url.origin,
        method: 'GET',
        path: `${req.url.pathname}${req.url.search}`,
        head: text,
      });
    this.socket.write(text);
    return new Promise<LeanResponse>((resolve, reject) => {
      const signal = req.signal;
      const head = new HeadParser();
      const timer = setTimeout(
        () => this.destroy(new Error(`no response headers within ${req.headersTimeoutMs} ms`)),
        req.headersTimeoutMs,
      );
      const onAbort = () => this.destroy(abortError(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.ended = (err) => {
        done();
        reject(err);
      };
      this.sink = (chunk) => {
        let rest: Buffer | undefined;
        try {
          rest = head.push(chunk);
        } catch (err) {
          this.destroy(err as Error);
          return;
        }
        this.release(); // the head bytes were copied out; the buffer is free again
        if (rest === undefined) return;
        done();
        let response: LeanResponse;
        try {
          response = this.respond(head, rest, req, release);
        } catch (err) {
          this.destroy(err as Error);
          reject(err as Error);
          return;
        }
        resolve(response);
      };
      if (this.dead) this.ended(this.dead, false);
    });
  }

  private respond(
    head: HeadParser,
    rest: Buffer,
    req: LeanRequest,
    release: (c: Connection) => void,
  ): LeanResponse {
    const { status, headers } = head;
    const framing = framingOf(status, headers);
    const keepAlive = framing.kind !== 'close' && !/\bclose\b/i.test(headers.connection ?? '');
    const body = new BodyReader(this, framing, keepAlive ? () => release(this) : () => this.destroy());
    this.sink = (chunk) => body.push(chunk, true);
    this.ended = (err, clean) => body.fail(err, clean);
    this.silence = `body silent for more than ${req.bodyTimeoutMs} ms`;
    this.socket.setTimeout(req.bodyTimeoutMs);
    const signal = req.signal;
    if (signal) {
      const onAbort = () => this.destroy(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      body.onSettled(() => signal.removeEventListener('abort', onAbort));
    }
    body.push(rest, false); // a copy (the head parser's), not a ring buffer; settles a body empty by its framing
    return { status, headers, body };
  }

  /** A ring buffer is free again (the reader moved on); resume reading if the ring was full. */
  release(): void {
    if (this.held > 0) this.held--;
    if (this.paused && this.held < RING - 1) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** Idle between requests: no reads expected, the timeout is off. */
  idle(): void {
    this.sink = undefined;
    this.ended = undefined;
    this.socket.setTimeout(0);
  }

  private onRead(chunk: Buffer): boolean {
    this.held++;
    if (!this.sink) {
      this.destroy(new Error('the server sent bytes outside a response'));
      return false;
    }
    this.sink(chunk);
    if (this.held >= RING - 1) {
      this.paused = true;
      return false; // stop reading until the reader frees a buffer
    }
    return true;
  }

  private fail(err: Error, clean: boolean): void {
    this.dead ??= err;
    const ended = this.ended;
    this.ended = undefined;
    this.sink = undefined;
    ended?.(this.dead, clean);
  }
}

/** The connection closed before a response was complete; on a reused socket before any byte, retryable. */
function closedError(connected: boolean): Error {
  const err = new Error(connected ? 'connection closed by the server' : 'connection failed');
  (err as { code?: string }).code = 'ECONNRESET_IDLE';
  return err;
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

/** Accumulates the response head (copied out of the ring) and parses it. 1xx interim responses are skipped. */
class HeadParser {
  status = 0;
  headers: Record<string, string> = {};
  private buf = Buffer.alloc(0);

  /** Feed bytes; returns the body bytes that followed the head once it is complete, else undefined. */
  push(chunk: Buffer): Buffer | undefined {
    for (;;) {
      const from = Math.max(0, this.buf.length - 3);
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
      chunk = Buffer.alloc(0);
      const end = this.buf.indexOf('\r\n\r\n', from);
      if (end < 0) {
        if (this.buf.length > MAX_HEAD_BYTES)
          throw new Error(`response head larger than ${MAX_HEAD_BYTES} bytes`);
        return undefined;
      }
      if (end > MAX_HEAD_BYTES) throw new Error(`response head larger than ${MAX_HEAD_BYTES} bytes`);
      this.parse(this.buf.toString('latin1', 0, end));
      const rest = this.buf.subarray(end + 4);
      if (this.status >= 200) return rest;
      this.buf = Buffer.alloc(0); // 1xx: the real response follows
      chunk = Buffer.from(rest);
      if (chunk.length === 0) return undefined;
    }
  }

  private parse(text: string): void {
    const [line, ...fields] = text.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(line ?? '');
    if (!m) throw new Error(`malformed status line ${JSON.stringify((line ?? '').slice(0, 80))}`);
    this.status = Number(m[1]);
    this.headers = {};
    for (const f of fields) {
      const i = f.indexOf(':');
      const name = f.slice(0, i).toLowerCase();
      if (i <= 0 || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name))
        throw new Error(`malformed header line ${JSON.stringify(f.slice(0, 80))}`);
      const value = f.slice(i + 1).trim();
      this.headers[name] = name in this.headers ? `${this.headers[name]}, ${value}` : value;
    }
  }
}

/** How the body ends (RFC 9112 §6.3); ambiguous framing is refused. */
function framingOf(status: number, h: Record<string, string>): Framing {
  if (status === 204 || status === 304) return { kind: 'length', left: 0 };
  const te = h['transfer-encoding'];
  const cl = h['content-length'];
  if (te !== undefined) {
    if (cl !== undefined) throw new Error('response has both Transfer-Encoding and Content-Length');
    if (te.trim().toLowerCase() !== 'chunked') throw new Error(`unsupported Transfer-Encoding ${te}`);
    return { kind: 'chunked' };
  }
  if (cl !== undefined) {
    const values = new Set(cl.split(',').map((v) => v.trim()));
    const [only] = [...values];
    if (values.size !== 1 || !/^\d{1,15}$/.test(only!)) throw new Error(`invalid Content-Length ${cl}`);
    return { kind: 'length', left: Number(only) };
  }
  return { kind: 'close' };
}

/**
 * The body as an async iterable of views into the connection's read ring. A view stays valid until the reader has
 * asked for HOLD more chunks; then its buffer is released to the ring.
 */
class BodyReader implements LeanBody {
  private readonly queue: Buffer[] = [];
  /** Ring buffers behind yielded chunks, oldest first (a chunk's buffer is released HOLD pulls later). */
  private readonly yielded: boolean[] = [];
  private waiter: (() => void) | undefined;
  private error: Error | undefined;
  private complete = false;
  private settledHooks: (() => void)[] = [];
  private chunkLeft = 0;
  private chunkState: 'size' | 'data' | 'data-crlf' | 'trailer' = 'size';
  private line = '';

  constructor(
    private readonly conn: Connection,
    private framing: Framing,
    private readonly finish: () => void,
  ) {}

  onSettled(fn: () => void): void {
    if (this.complete || this.error) fn();
    else this.settledHooks.push(fn);
  }

  /** Body bytes read from the socket (`ring`: a view into the read ring, counted in `held` until released). */
  push(chunk: Buffer, ring: boolean): void {
    if (this.complete || this.error) {
      if (chunk.length > 0) this.conn.destroy(new Error('the server sent bytes after the body'));
      if (ring) this.conn.release();
      return;
    }
    let pieces: Buffer[];
    try {
      pieces = this.frame(chunk);
    } catch (err) {
      if (ring) this.conn.release();
      this.conn.destroy(err as Error);
      this.fail(err as Error, false);
      return;
    }
    if (pieces.length === 0) {
      if (ring) this.conn.release();
    } else {
      // All pieces of one read share its buffer: the last piece carries the release.
      for (let i = 0; i < pieces.length; i++) {
        this.queue.push(pieces[i]!);
        this.yielded.push(ring && i === pieces.length - 1);
      }
    }
    if (this.framing.kind === 'length' && this.framing.left === 0) this.settle();
    this.wake();
  }

  fail(err: Error, clean: boolean): void {
    if (this.complete) return;
    if (this.framing.kind === 'close' && clean && !this.error) {
      this.settle(); // read-to-close: the close ends the body
      this.wake();
      return;
    }
    this.error ??= err;
    for (const fn of this.settledHooks.splice(0)) fn();
    this.wake();
  }

  /** Drop the rest of the body: a complete body hands its connection back, an unfinished one closes it. */
  discard(): void {
    if (this.complete && !this.error) {
      for (const r of this.yielded.splice(0)) if (r) this.conn.release();
      this.queue.length = 0;
      this.error = new Error('body discarded');
      this.finish();
      return;
    }
    this.destroy(new Error('body discarded'));
  }

  destroy(err?: Error): void {
    this.conn.destroy(err);
    this.error ??= err ?? new Error('body destroyed');
    this.drop();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const pending: boolean[] = [];
    let finished = false;
    try {
      for (;;) {
        // Release the buffer of the chunk yielded HOLD pulls ago.
        if (pending.length >= HOLD && pending.shift()) this.conn.release();
        while (this.queue.length === 0 && !this.error && !this.complete)
          await new Promise<void>((r) => (this.waiter = r));
        if (this.queue.length > 0) {
          pending.push(this.yielded.shift()!);
          yield this.queue.shift()!;
          continue;
        }
        if (this.error) throw this.error;
        finished = true;
        return;
      }
    } finally {
      for (const r of pending) if (r) this.conn.release();
      if (finished) this.finish();
      else this.destroy();
    }
  }

  private drop(): void {
    for (const r of this.yielded.splice(0)) if (r) this.conn.release();
    this.queue.length = 0;
    for (const fn of this.settledHooks.splice(0)) fn();
    this.wake();
  }

  /** Every body byte has arrived; the connection is handed back once the reader has let go of its chunks. */
  private settle(): void {
    if (this.complete) return;
    this.complete = true;
    this.conn.idle();
    for (const fn of this.settledHooks.splice(0)) fn();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** The body bytes in `chunk` (views), by the framing; advances the framing state. */
  private frame(chunk: Buffer): Buffer[] {
    const f = this.framing;
    if (f.kind === 'close') return chunk.length ? [chunk] : [];
    if (f.kind === 'length') {
      if (chunk.length > f.left) throw new Error('the server sent more bytes than its Content-Length');
      f.left -= chunk.length;
      return chunk.length ? [chunk] : [];
    }
    const out: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.chunkState === 'data') {
        const n = Math.min(this.chunkLeft, chunk.length - at);
        out.push(chunk.subarray(at, at + n));
        at += n;
        this.chunkLeft -= n;
        if (this.chunkLeft === 0) this.chunkState = 'data-crlf';
        continue;
      }
      const nl = chunk.indexOf(10, at);
      const piece = chunk.toString('latin1', at, nl < 0 ? chunk.length : nl + 1);
      at = nl < 0 ? chunk.length : nl + 1;
      this.line += piece;
      if (this.line.length > MAX_CHUNK_LINE) throw new Error('chunk header line too long');
      if (nl < 0) continue;
      const line = this.line.replace(/\r?\n$/, '');
      this.line = '';
      if (this.chunkState === 'data-crlf') {
        if (line !== '') throw new Error('chunk data not followed by CRLF');
        this.chunkState = 'size';
      } else if (this.chunkState === 'size') {
        const m = /^([0-9a-fA-F]{1,13})(?:\s*;.*)?$/.exec(line);
        if (!m) throw new Error(`malformed chunk size ${JSON.stringify(line.slice(0, 40))}`);
        this.chunkLeft = parseInt(m[1]!, 16);
        this.chunkState = this.chunkLeft === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        // end of trailers: the body is complete
        if (at !== chunk.length) throw new Error('the server sent bytes after the body');
        this.framing = { kind: 'length', left: 0 };
        return out;
      }
    }
    return out;
  }
}
