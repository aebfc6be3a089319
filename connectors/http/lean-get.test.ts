import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { LeanAgent, MAX_HEAD_BYTES, type LeanBody } from './lean-get.js';

/** A raw TCP server on 127.0.0.1 that answers each request (one per `\r\n\r\n`) with `reply(n)`'s wire bytes. */
async function wire(
  reply: (n: number, socket: Socket) => void,
): Promise<{ url: string; connections: () => number; server: Server }> {
  let connections = 0;
  let requests = 0;
  const server = createServer((socket) => {
    connections++;
    let buf = '';
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      while (buf.includes('\r\n\r\n')) {
        buf = buf.slice(buf.indexOf('\r\n\r\n') + 4);
        if (socket.writable) reply(requests++, socket); // a request on a connection this side already ended is lost
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  servers.push(server);
  return { url: `http://127.0.0.1:${port}`, connections: () => connections, server };
}

const servers: Server[] = [];
const agents: LeanAgent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) a.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r)).then(() => undefined)));
});
function agent(...args: ConstructorParameters<typeof LeanAgent>): LeanAgent {
  const a = new LeanAgent(...args);
  agents.push(a);
  return a;
}

const get = (a: LeanAgent, url: string, bodyTimeoutMs = 5_000) =>
  a.get({ url: new URL(url), headers: {}, headersTimeoutMs: 5_000, bodyTimeoutMs });

/** Read a body like scanStream does: keep each chunk two pulls, then check it was not overwritten. */
async function readChecked(body: LeanBody, slowEvery = 0): Promise<Buffer> {
  const kept: { view: Uint8Array; copy: Buffer }[] = [];
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    for (const k of kept) expect(Buffer.compare(Buffer.from(k.view), k.copy)).toBe(0);
    kept.push({ view: chunk, copy: Buffer.from(chunk) });
    if (kept.length > 2) kept.shift();
    parts.push(Buffer.from(chunk));
    if (slowEvery && ++n % slowEvery === 0) await new Promise((r) => setTimeout(r, 2));
  }
  return Buffer.concat(parts);
}

const pattern = (size: number) =>
  Buffer.from(Uint8Array.from({ length: size }, (_, i) => (i * 7 + (i >> 9)) & 0xff));

describe('lean-get: the HTTP/1.1 client that streams artifact bodies into a reused ring', () => {
  it('reads a Content-Length body much larger than the ring, with a slow reader, intact, over one kept-alive connection', async () => {
    const big = pattern(5_000_000);
    const s = await wire((_, sock) => {
      sock.write(`HTTP/1.1 200 OK\r\ncontent-length: ${big.length}\r\nETag: "x"\r\n\r\n`);
      sock.write(big);
    });
    const a = agent();
    for (let i = 0; i < 2; i++) {
      const res = await get(a, `${s.url}/blob`);
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"x"');
      const got = await readChecked(res.body, 3);
      expect(createHash('sha256').update(got).digest('hex')).toBe(
        createHash('sha256').update(big).digest('hex'),
      );
    }
    expect(s.connections()).toBe(1);
  });

  it('decodes chunked bodies whatever the read boundaries, and refuses malformed chunking', async () => {
    const payload = pattern(300_000);
    const encoded = Buffer.concat([
      Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n'),
      Buffer.from(`${(100_000).toString(16)};ext=1\r\n`),
      payload.subarray(0, 100_000),
      Buffer.from(`\r\n${(200_000).toString(16)}\r\n`),
      payload.subarray(100_000),
      Buffer.from('\r\n0\r\ntrailer: x\r\n\r\n'),
    ]);
    const s = await wire((n, sock) => {
      if (n === 0) {
        // dribble the response out in odd-sized pieces
        let at = 0;
        const step = () => {
          if (at >= encoded.length) return;
          sock.write(encoded.subarray(at, (at += 7_777)), step);
        };
        step();
      } else sock.end('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n');
    });
    const a = agent();
    const ok = await get(a, `${s.url}/a`);
    expect(Buffer.compare(await readChecked(ok.body), payload)).toBe(0);
    const bad = await get(a, `${s.url}/b`);
    await expect(readChecked(bad.body)).rejects.toThrow(/malformed chunk size/);
  });

  it('ends a body without length at the close, and reports a cut Content-Length body as an error', async () => {
    const s = await wire((n, sock) => {
      if (n === 0) sock.end('HTTP/1.0 200 OK\r\n\r\nall of it');
      else {
        sock.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part');
        setTimeout(() => sock.destroy(), 20);
      }
    });
    const a = agent();
    expect((await readChecked((await get(a, `${s.url}/a`)).body)).toString()).toBe('all of it');
    const cut = await get(a, `${s.url}/b`);
    await expect(readChecked(cut.body)).rejects.toThrow(/closed/);
  });

  it('refuses ambiguous or oversized heads, skips 1xx, and answers a 204 with an empty body', async () => {
    const replies = [
      'HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\nabc',
      'HTTP/1.1 200 OK\r\ncontent-length: 3, 4\r\n\r\nabc',
      `HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`,
      'HTTP/2 200\r\n\r\n',
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok',
      'HTTP/1.1 204 No Content\r\n\r\n',
    ];
    const s = await wire((n, sock) => sock.end(replies[n]));
    const a = agent();
    await expect(get(a, `${s.url}/1`)).rejects.toThrow(/both Transfer-Encoding and Content-Length/);
    await expect(get(a, `${s.url}/2`)).rejects.toThrow(/invalid Content-Length/);
    await expect(get(a, `${s.url}/3`)).rejects.toThrow(/response head larger than/);
    await expect(get(a, `${s.url}/4`)).rejects.toThrow(/malformed status line/);
    const interim = await get(a, `${s.url}/5`);
    expect(interim.status).toBe(200);
    expect((await readChecked(interim.body)).toString()).toBe('ok');
    const empty = await get(a, `${s.url}/6`);
    expect(empty.status).toBe(204);
    expect((await readChecked(empty.body)).length).toBe(0);
  });

  it('a body that goes silent fails after the body timeout; an abort ends it at once', async () => {
    const s = await wire((_, sock) => sock.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'));
    const a = agent();
    const silent = await get(a, `${s.url}/a`, 150);
    await expect(readChecked(silent.body)).rejects.toThrow(/body silent for more than 150 ms/);
    const ac = new AbortController();
    const res = await a.get({
      url: new URL(`${s.url}/b`),
      headers: {},
      signal: ac.signal,
      headersTimeoutMs: 5_000,
      bodyTimeoutMs: 5_000,
    });
    setTimeout(() => ac.abort(), 30);
    await expect(readChecked(res.body)).rejects.toThrow(/abort/i);
  });

  it('speaks TLS, trusting only the CAs it is given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lean-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          'k.pem',
        ].concat([
          '-out',
          'c.pem',
          '-days',
          '2',
          '-subj',
          '/CN=lean',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ]),
        { cwd: dir, stdio: 'pipe' },
      );
      const cert = readFileSync(join(dir, 'c.pem'));
      const body = pattern(700_000);
      const server = createTlsServer({ key: readFileSync(join(dir, 'k.pem')), cert }, (sock) => {
        sock.on('data', () => {
          sock.write(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n`);
          sock.write(body);
        });
        sock.on('error', () => undefined);
      });
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/blob`;
      const res = await get(agent({ ca: cert }), url);
      expect(Buffer.compare(await readChecked(res.body), body)).toBe(0);
      await expect(get(agent(), url)).rejects.toThrow(/self[- ]signed|certificate/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
