import { afterEach, describe, expect, it } from 'vitest';
import { egressPolicyOf } from '../../evidence/emit/egress-allowlist.js';
import { ConnectorError } from '../errors.js';
import { sendBytes, TestServer } from '../testkit/server.js';
import { HttpClient } from './client.js';
import { openHttpRange } from './open-range.js';

const BYTES = new Uint8Array(300_000).map((_, i) => (i * 31) & 0xff);

async function drain(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of body) parts.push(c);
  return Buffer.concat(parts);
}

const servers: TestServer[] = [];
const clients: HttpClient[] = [];
async function server(handler: Parameters<typeof TestServer.start>[0]): Promise<TestServer> {
  const s = await TestServer.start(handler);
  servers.push(s);
  return s;
}
function client(...args: ConstructorParameters<typeof HttpClient>): HttpClient {
  const c = new HttpClient(...args);
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A registry that redirects `/file` to `target` + `/blob` (as the HF hub does to its CDN) and serves `/blob`. */
async function redirecting(target?: () => string): Promise<TestServer> {
  const s: TestServer = await server((req, res, ctx) => {
    if (ctx.url.pathname === '/file') {
      res.writeHead(302, { location: `${target ? target() : s.url}/blob` });
      res.end('see elsewhere');
    } else if (ctx.url.pathname === '/loop') {
      res.writeHead(302, { location: '/loop' });
      res.end();
    } else sendBytes(req, res, BYTES, { etag: '"v1"' });
  });
  return s;
}

describe('artifact downloads over node:http (HttpClient.stream)', () => {
  it('streams a body with Range resume semantics: 200 from 0, 206 from the offset', async () => {
    const s = await redirecting();
    const c = client();
    const full = await openHttpRange(c, `${s.url}/blob`, 0);
    expect(full.start).toBe(0);
    expect(full.total).toBe(BYTES.length);
    expect(full.validator).toBe('"v1"');
    expect(Buffer.compare(await drain(full.body), Buffer.from(BYTES))).toBe(0);
    const tail = await openHttpRange(c, `${s.url}/blob`, 1000);
    expect(tail.start).toBe(1000);
    expect(Buffer.compare(await drain(tail.body), Buffer.from(BYTES.subarray(1000)))).toBe(0);
    expect(s.seen(/\/blob/).map((r) => r.headers.range)).toEqual([undefined, 'bytes=1000-']);
  });

  it('keeps credentials on a same-origin redirect and drops them on a cross-origin one', async () => {
    const cdn = await redirecting();
    const hub = await redirecting(() => cdn.url);
    const same = await redirecting();
    const auth = (origin: string) => client({ authorization: 'Bearer hf_secret', authOrigin: origin });
    await drain((await openHttpRange(auth(hub.url), `${hub.url}/file`, 0)).body);
    expect(hub.seen(/\/file/)[0]!.headers.authorization).toBe('Bearer hf_secret');
    expect(cdn.seen(/\/blob/)).toHaveLength(1);
    expect(cdn.seen(/\/blob/)[0]!.headers.authorization).toBeUndefined();
    await drain((await openHttpRange(auth(same.url), `${same.url}/file`, 0)).body);
    expect(same.seen(/\/blob/)[0]!.headers.authorization).toBe('Bearer hf_secret');
  });

  it('checks every redirect hop against the egress allowlist before connecting', async () => {
    const cdn = await redirecting();
    const hub = await redirecting(() => cdn.url);
    const port = new URL(hub.url).port;
    const egress = egressPolicyOf([
      { protocol: 'http:', host: '127.0.0.1', port: Number(port), purpose: 'registry' },
    ]);
    const err = await openHttpRange(client({ egress, retry: { attempts: 1 } }), `${hub.url}/file`, 0).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).message).toMatch(/refused/);
    expect(hub.seen(/\/file/)).toHaveLength(1);
    expect(cdn.requests).toHaveLength(0);
  });

  it('a redirect loop ends at the hop limit as a BAD_RESPONSE, not a hang', async () => {
    const s = await redirecting();
    const err = await openHttpRange(client(), `${s.url}/loop`, 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe('BAD_RESPONSE');
    expect((err as ConnectorError).message).toMatch(/HTTP 302/);
    expect(s.seen(/\/loop/)).toHaveLength(11);
  });

  it('retries 503 with Retry-After, then throws the registry error text for a 404', async () => {
    const s = await redirecting();
    s.inject({ path: /\/blob/, times: 1, status: 503, headers: { 'retry-after': '0' } });
    const c = client({ retry: { attempts: 3, baseMs: 1 } });
    expect((await drain((await openHttpRange(c, `${s.url}/blob`, 0)).body)).length).toBe(BYTES.length);
    s.inject({ path: /\/blob/, times: 5, status: 404, body: '{"error":"Entry not found"}' });
    const err = (await openHttpRange(c, `${s.url}/blob`, 0).catch((e: unknown) => e)) as ConnectorError;
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('Entry not found');
  });

  it('times out a server that never answers, and a body that goes silent', async () => {
    const silent = await server(() => new Promise<void>(() => undefined));
    const c = client({ headersTimeoutMs: 200, bodyTimeoutMs: 200, retry: { attempts: 1 } });
    const err = (await openHttpRange(c, `${silent.url}/blob`, 0).catch((e: unknown) => e)) as ConnectorError;
    expect(err.code).toBe('NETWORK');
    expect(err.message).toMatch(/no response headers within 200 ms/);

    const stalls = await server((_req, res) => {
      res.writeHead(200, { 'content-length': String(BYTES.length) });
      res.write(BYTES.subarray(0, 1000)); // then nothing
    });
    const opened = await openHttpRange(c, `${stalls.url}/blob`, 0);
    await expect(drain(opened.body)).rejects.toThrow();
  });

  it('an aborted signal ends the body at once', async () => {
    const stalls = await server((_req, res) => {
      res.writeHead(200, { 'content-length': '5000' });
      res.write(Buffer.alloc(100));
    });
    const ac = new AbortController();
    const opened = await openHttpRange(client(), `${stalls.url}/blob`, 0, ac.signal);
    setTimeout(() => ac.abort(), 50);
    await expect(drain(opened.body)).rejects.toThrow(/abort/i);
  });
});
