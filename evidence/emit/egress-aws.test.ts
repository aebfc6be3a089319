import diagnostics_channel from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildEgressPolicy } from './egress-allowlist.js';
import { guardAwsClient, guardAwsRequestHandler } from './egress-aws.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const EMPTY_LIST =
  '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>models</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>';

let server: Server;
let endpoint: string;
let hits: string[] = [];
const sockets: unknown[] = [];
const onSocket = (m: unknown) => sockets.push(m);

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/xml' }).end(EMPTY_LIST);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  diagnostics_channel.subscribe('net.client.socket', onSocket);
});
afterAll(async () => {
  diagnostics_channel.unsubscribe('net.client.socket', onSocket);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
afterEach(() => {
  hits = [];
  sockets.length = 0;
});

const s3 = (ep: string) =>
  new S3Client({
    region: 'us-east-1',
    endpoint: ep,
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
  });

describe('egress guard (AWS SDK)', () => {
  it('passes allow-listed requests and refuses others before a socket is opened', async () => {
    const policy = buildEgressPolicy({ registries: [endpoint] });
    const ok = guardAwsClient(s3(endpoint), policy);
    const listed = await ok.send(new ListObjectsV2Command({ Bucket: 'models' }));
    expect(listed.KeyCount).toBe(0);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatch(/^GET \/models\/?\?list-type=2/);
    ok.destroy();
    hits = [];
    sockets.length = 0;

    const denied = guardAwsClient(s3('http://127.0.0.9:8099'), policy);
    await expect(denied.send(new ListObjectsV2Command({ Bucket: 'models' }))).rejects.toMatchObject({
      code: 'EGRESS_DENIED',
      message: expect.stringContaining(
        'AWS SDK request refused: http://127.0.0.9:8099 is not on the egress allowlist',
      ),
    });
    expect(hits).toEqual([]);
    expect(sockets).toEqual([]);
    denied.destroy();
  });

  it('the default aws:<region> allowlist refuses a custom endpoint nobody configured', async () => {
    const client = guardAwsClient(s3(endpoint), buildEgressPolicy({ registries: ['aws:us-east-1'] }));
    await expect(client.send(new ListObjectsV2Command({ Bucket: 'models' }))).rejects.toMatchObject({
      code: 'EGRESS_DENIED',
    });
    expect(hits).toEqual([]);
    client.destroy();
  });

  it('wraps a request handler, passing other members through', async () => {
    const seen: unknown[] = [];
    const inner = {
      metadata: { handlerProtocol: 'http/1.1' },
      handle: async (request: unknown) => {
        seen.push(request);
        return { response: { statusCode: 200 } };
      },
      destroy() {
        seen.push('destroyed');
      },
    };
    const h = guardAwsRequestHandler(inner, buildEgressPolicy({ registries: ['aws:eu-west-1'] }));
    await h.handle({
      protocol: 'https:',
      hostname: 'bucket.s3.eu-west-1.amazonaws.com',
      port: undefined,
      path: '/k',
    });
    await expect(
      h.handle({ protocol: 'https:', hostname: 'attacker.example', path: '/k' }),
    ).rejects.toMatchObject({ code: 'EGRESS_DENIED' });
    h.destroy();
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe('destroyed');
    expect(h.metadata.handlerProtocol).toBe('http/1.1');
  });
});
