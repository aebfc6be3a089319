import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveControlPlane } from './control-plane.js';
import { createHttpTransport } from './transport.js';

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, made with the openssl CLI. */
function makePki(dir: string): Record<'ca' | 'serverKey' | 'server' | 'clientKey' | 'client', string> {
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ossl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=cavra-test-ca',
  );
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    ossl('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=cavra-${who}`);
    ossl(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${who}.pem`,
      '-days',
      '2',
      '-extfile',
      `${who}.ext`,
    );
  }
  const p = (f: string) => join(dir, f);
  return {
    ca: p('ca.pem'),
    serverKey: p('server.key'),
    server: p('server.pem'),
    clientKey: p('client.key'),
    client: p('client.pem'),
  };
}

let hasOpenssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'pipe' });
} catch {
  hasOpenssl = false;
}

describe.skipIf(!hasOpenssl)('control-plane transport: custom CA, mTLS and an HTTP proxy', () => {
  let pki: ReturnType<typeof makePki>;
  let server: Server;
  let url: string;
  const seen: { path: string; clientCn: string | undefined; key: string | undefined; body: string }[] = [];
  let proxy: Server;
  let proxyUrl: string;
  const tunnels: string[] = [];

  beforeAll(async () => {
    pki = makePki(mkdtempSync(join(tmpdir(), 'cavra-pki-')));
    server = createHttpsServer(
      {
        key: readFileSync(pki.serverKey),
        cert: readFileSync(pki.server),
        ca: readFileSync(pki.ca),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const peer = (req.socket as TLSSocket).getPeerCertificate();
          seen.push({
            path: req.url ?? '',
            clientCn: peer?.subject?.CN as string | undefined,
            key: req.headers['idempotency-key'] as string | undefined,
            body,
          });
          res.writeHead(201).end('{}');
        });
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A minimal CONNECT proxy that only tunnels to loopback.
    proxy = createHttpServer();
    proxy.on('connect', (req, client: Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      if (host !== '127.0.0.1') {
        client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    proxy.closeAllConnections?.();
    await new Promise<void>((r) => proxy.close(() => r()));
  });

  it('delivers over mTLS to a server whose certificate chains to the configured CA', async () => {
    const cfg = resolveControlPlane(
      { url, caFile: pki.ca, clientCertFile: pki.client, clientKeyFile: pki.clientKey },
      {},
    )!;
    const t = createHttpTransport(cfg, {});
    const r = await t.post(Buffer.from('{"payloadType":"x"}'), 'sha256:abc');
    await t.close();
    expect(r).toEqual({ kind: 'response', status: 201 });
    expect(seen.at(-1)).toMatchObject({ path: '/v1/evidence', clientCn: 'cavra-client', key: 'sha256:abc' });
  });

  it('fails (never sends) without the client certificate, or without the CA', async () => {
    const before = seen.length;
    const noClient = createHttpTransport(resolveControlPlane({ url, caFile: pki.ca }, {})!, {});
    expect((await noClient.post(Buffer.from('{}'), 'k1')).kind).toBe('network-error');
    await noClient.close();
    const noCa = createHttpTransport(
      resolveControlPlane({ url, clientCertFile: pki.client, clientKeyFile: pki.clientKey }, {})!,
      {},
    );
    expect((await noCa.post(Buffer.from('{}'), 'k2')).kind).toBe('network-error');
    await noCa.close();
    expect(seen.length).toBe(before);
  });

  it('tunnels through an explicit proxy (CONNECT), keeping end-to-end TLS', async () => {
    const cfg = resolveControlPlane(
      { url, caFile: pki.ca, clientCertFile: pki.client, clientKeyFile: pki.clientKey, proxyUrl },
      {},
    )!;
    const t = createHttpTransport(cfg, {});
    const r = await t.post(Buffer.from('{"via":"proxy"}'), 'sha256:def');
    await t.close();
    expect(r).toEqual({ kind: 'response', status: 201 });
    expect(tunnels.at(-1)).toBe(new URL(url).host);
    expect(seen.at(-1)).toMatchObject({ body: '{"via":"proxy"}', clientCn: 'cavra-client' });
  });
});
