import diagnostics_channel from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, fetch, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildEgressPolicy } from './egress-allowlist.js';
import { createEgressAgent, guardDispatcher, guardedConnector, guardedFetch } from './egress-guard.js';

let server: Server;
let origin: string;
let hits: string[] = [];
const connects: string[] = [];
const sockets: unknown[] = [];
const onConnect = (m: unknown) => {
  const p = (m as { connectParams: { hostname: string; port: string } }).connectParams;
  connects.push(`${p.hostname}:${p.port}`);
};
const onSocket = (m: unknown) => sockets.push(m);

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://127.0.0.9:8099/x' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  diagnostics_channel.subscribe('undici:client:beforeConnect', onConnect);
  diagnostics_channel.subscribe('net.client.socket', onSocket);
});
afterAll(async () => {
  diagnostics_channel.unsubscribe('undici:client:beforeConnect', onConnect);
  diagnostics_channel.unsubscribe('net.client.socket', onSocket);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
afterEach(() => {
  hits = [];
  connects.length = 0;
  sockets.length = 0;
});

const code = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
    return undefined;
  } catch (err) {
    const e = err as { code?: string; cause?: { code?: string } };
    return e.cause?.code ?? e.code;
  }
};

describe('egress guard (undici)', () => {
  it('lets allow-listed requests through (request and fetch)', async () => {
    const agent = createEgressAgent(buildEgressPolicy({ registries: [origin] }));
    const res = await request(`${origin}/a`, { dispatcher: agent });
    expect(await res.body.text()).toBe('ok');
    expect(await (await guardedFetch(agent)(`${origin}/b`)).text()).toBe('ok');
    expect(hits).toEqual(['/a', '/b']);
    await agent.close();
  });

  it('refuses other destinations with EGRESS_DENIED before any connection attempt', async () => {
    const agent = createEgressAgent(buildEgressPolicy({ registries: [origin] }));
    const other = origin.replace(/:\d+$/, ':1');
    await expect(request(`${other}/x`, { dispatcher: agent })).rejects.toMatchObject({
      code: 'EGRESS_DENIED',
      message: expect.stringContaining('http://127.0.0.1:1 is not on the egress allowlist'),
    });
    expect(await code(fetch('http://127.0.0.9:8099/x', { dispatcher: agent }))).toBe('EGRESS_DENIED');
    expect(await code(fetch('https://example.com/', { dispatcher: agent }))).toBe('EGRESS_DENIED');
    expect(connects).toEqual([]);
    expect(sockets).toEqual([]);
    await agent.close();
  });

  it('refuses a redirect from an allowed registry to a host that is not allowed', async () => {
    const agent = createEgressAgent(buildEgressPolicy({ registries: [origin] }));
    expect(await code(fetch(`${origin}/redirect`, { dispatcher: agent, redirect: 'follow' }))).toBe(
      'EGRESS_DENIED',
    );
    expect(hits).toEqual(['/redirect']);
    expect(connects.every((c) => c.startsWith('127.0.0.1:'))).toBe(true);
    expect(connects.some((c) => c.startsWith('127.0.0.9'))).toBe(false);
    await agent.close();
  });

  it('guards an existing dispatcher, and the connector alone is a second gate', async () => {
    const policy = buildEgressPolicy({ registries: [origin] });
    const wrapped = guardDispatcher(new Agent(), policy);
    expect(await code(request('http://127.0.0.9:9/', { dispatcher: wrapped }))).toBe('EGRESS_DENIED');
    expect(connects).toEqual([]);
    const bare = new Agent({ connect: guardedConnector(policy) });
    expect(await code(request('http://127.0.0.9:9/', { dispatcher: bare }))).toBe('EGRESS_DENIED');
    expect(sockets).toEqual([]); // the pool asked to connect; the connector refused before net.connect
    expect(await (await request(`${origin}/c`, { dispatcher: bare })).body.text()).toBe('ok');
    await Promise.all([wrapped.close(), bare.close()]);
  });
});
