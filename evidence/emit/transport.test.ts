import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../scanner/rules/package-root.js';
import { createHttpTransport } from './transport.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe('control-plane transport start-up', () => {
  it('refuses a malformed proxy URL when it is created', () => {
    expect(() =>
      createHttpTransport(
        {
          endpoint: new URL('http://127.0.0.1:1/v1/evidence'),
          token: null,
          timeoutMs: 1000,
          proxyUrl: 'not a url',
        },
        {},
      ),
    ).toThrow(TypeError);
  });

  it('loads undici on the first request, not when created (built module, fresh process)', async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(202).end());
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/evidence`;
    const module = join(packageRoot(), 'dist', 'evidence', 'emit', 'transport.js');
    const script = `
      const { createRequire } = await import('node:module');
      const loaded = () => Object.keys(createRequire(${JSON.stringify(module)}).cache).some((k) => k.includes('/node_modules/undici/'));
      const { createHttpTransport } = await import(${JSON.stringify(module)});
      const t = createHttpTransport({ endpoint: new URL(${JSON.stringify(url)}), token: null, timeoutMs: 5000 }, {});
      const before = loaded();
      const res = await t.post(Buffer.from('{}'), 'k');
      await t.close();
      console.log(JSON.stringify({ before, after: loaded(), res }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    expect(JSON.parse(stdout)).toEqual({
      before: false,
      after: true,
      res: { kind: 'response', status: 202 },
    });
  });
});
