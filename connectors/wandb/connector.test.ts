import { afterEach, describe, expect, it } from 'vitest';
import { scanReference } from '../scan-reference.js';
import { CONFIG_JSON, collect, EVIL_PICKLE, FAST_RETRY, noiseBytes } from '../testkit/fixtures.js';
import { md5Hex, sha256Hex } from '../testkit/git-oid.js';
import { S3Server } from '../testkit/s3-server.js';
import { WandbServer, type WandbServerOptions } from '../testkit/wandb-server.js';
import { parseWandbReference } from './reference.js';

const BIG = new TextEncoder().encode(JSON.stringify({ w: Array.from(noiseBytes(30_000, 3)) }));

function options(): WandbServerOptions {
  return {
    entity: 'acme',
    project: 'fraud',
    apiKey: 'k'.repeat(40),
    pageSize: 1,
    collections: [
      {
        name: 'detector',
        type: 'model',
        versions: [
          { id: 'QXJ0aWZhY3Q6MQ==', index: 0, files: { 'model.pkl': EVIL_PICKLE } },
          {
            id: 'QXJ0aWZhY3Q6Mg==',
            index: 1,
            aliases: ['latest', 'prod'],
            files: { 'config.json': CONFIG_JSON, 'weights/big.json': BIG },
          },
        ],
      },
      {
        name: 'ranker',
        type: 'model',
        versions: [
          { id: 'QXJ0aWZhY3Q6Mw==', index: 0, files: { 'config.json': CONFIG_JSON }, state: 'PENDING' },
        ],
      },
      {
        name: 'train-data',
        type: 'dataset',
        versions: [{ id: 'QXJ0aWZhY3Q6NA==', index: 0, files: { 'x.json': CONFIG_JSON } }],
      },
    ],
  };
}

let server: WandbServer | undefined;
let s3: S3Server | undefined;
afterEach(async () => {
  await server?.close();
  await s3?.close();
  server = s3 = undefined;
});

async function start(o = options()): Promise<WandbServer> {
  server = await WandbServer.start(o);
  return server;
}
const env = (s: WandbServer, key = 'k'.repeat(40)) => ({ WANDB_BASE_URL: s.url, WANDB_API_KEY: key });

describe('W&B connector', () => {
  it('scans one version by alias through signed URLs, checking each entry MD5', async () => {
    const s = await start();
    const results = await collect(
      scanReference('wandb://acme/fraud/detector:prod', { env: env(s), retry: FAST_RETRY }),
    );
    expect(results.map((r) => r.path)).toEqual([
      'wandb://acme/fraud/detector:v1/config.json',
      'wandb://acme/fraud/detector:v1/weights/big.json',
    ]);
    expect(results[1]!.sha256).toBe(sha256Hex(BIG));
    expect(results.every((r) => r.verdict === 'clean')).toBe(true);
    expect(s.storage.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it('lists model collections and versions across Relay pages (datasets excluded, PENDING reported)', async () => {
    const s = await start();
    const results = await collect(scanReference('wandb://acme/fraud', { env: env(s), retry: FAST_RETRY }));
    expect(results.map((r) => r.path)).toEqual([
      'wandb://acme/fraud/detector:v0/model.pkl',
      'wandb://acme/fraud/detector:v1/config.json',
      'wandb://acme/fraud/detector:v1/weights/big.json',
      'wandb://acme/fraud/ranker:v0',
    ]);
    expect(results[0]!.sha256).toBe(sha256Hex(EVIL_PICKLE));
    expect(results[0]!.verdict).not.toBe('clean');
    expect(results[3]!.coverage.issues[0]!.message).toMatch(/PENDING/);
  });

  it('makes an MD5 mismatch inconclusive', async () => {
    const o = options();
    o.collections[0]!.versions[1]!.statedDigest = {
      'config.json': Buffer.from(md5Hex('other'), 'hex').toString('base64'),
    };
    const s = await start(o);
    const results = await collect(
      scanReference('wandb://acme/fraud/detector:v1/config.json', { env: env(s), retry: FAST_RETRY }),
    );
    expect(results[0]!.verdict).toBe('inconclusive');
    expect(results[0]!.coverage.issues[0]!.message).toBe(
      `digest mismatch: registry md5 ${md5Hex('other')}, computed ${md5Hex(CONFIG_JSON)}`,
    );
  });

  it('refreshes an expired signed file URL once, resumes a dropped body and retries 429', async () => {
    const o = options();
    o.expiredFileUrlListings = 2; // the first listing: two pages of one file each
    const s = await start(o);
    s.api.inject({
      path: /^\/graphql$/,
      times: 1,
      status: 429,
      headers: { 'retry-after': '0' },
      body: '{"errors":[{"message":"rate limit exceeded"}]}',
    });
    // the first request (expired URL, 403) takes one fault unused; the refreshed one is dropped mid-body
    s.storage.inject({ path: /big\.json$/, times: 2, dropAfter: 10_000 });
    const results = await collect(
      scanReference('wandb://acme/fraud/detector:v1/weights/big.json', { env: env(s), retry: FAST_RETRY }),
    );
    expect(results).toHaveLength(1);
    expect(results[0]!.sha256).toBe(sha256Hex(BIG));
    expect(results[0]!.verdict).toBe('clean');
    const gets = s.storage.seen(/big\.json$/);
    expect(gets).toHaveLength(3); // expired (403), refreshed and dropped, resumed
    expect(gets[0]!.url).not.toBe(gets[1]!.url);
    expect(gets[2]!.headers.range).toMatch(/^bytes=\d+-$/);
  });

  it('reports an expired manifest URL per version', async () => {
    const o = options();
    o.urlTtlMs = -1;
    const s = await start(o);
    const results = await collect(
      scanReference('wandb://acme/fraud/detector:v1', { env: env(s), retry: FAST_RETRY }),
    );
    expect(results).toHaveLength(1);
    expect(results[0]!.coverage.issues[0]!.message).toMatch(/^FORBIDDEN: .*Request has expired/);
  });

  it('reads s3:// reference entries from S3 and reports other references', async () => {
    s3 = await S3Server.start({
      accessKeyId: 'AKIDTEST',
      buckets: { weights: { 'shard-0.json': CONFIG_JSON } },
    });
    const o = options();
    o.collections[1] = {
      name: 'ranker',
      type: 'model',
      versions: [
        {
          id: 'QXJ0aWZhY3Q6OQ==',
          index: 0,
          files: {},
          refs: {
            'shard-0.json': {
              ref: 's3://weights/shard-0.json',
              digest: md5Hex(CONFIG_JSON),
              size: CONFIG_JSON.length,
            },
            'gcs.bin': { ref: 'gs://bucket/x.bin', digest: 'gs://bucket/x.bin' },
          },
        },
      ],
    };
    const s = await start(o);
    const results = await collect(
      scanReference('wandb://acme/fraud/ranker:v0', {
        env: {
          ...env(s),
          AWS_ACCESS_KEY_ID: 'AKIDTEST',
          AWS_SECRET_ACCESS_KEY: 'x',
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL_S3: s3.url,
        },
        retry: FAST_RETRY,
      }),
    );
    expect(results.map((r) => r.path)).toEqual([
      'wandb://acme/fraud/ranker:v0/shard-0.json',
      'wandb://acme/fraud/ranker:v0',
    ]);
    expect(results[0]!.sha256).toBe(sha256Hex(CONFIG_JSON));
    expect(results[1]!.coverage.issues[0]!.message).toMatch(/UNSUPPORTED.*gcs\.bin -> gs:\/\/bucket\/x\.bin/);
  });

  it('reports a wrong API key and a missing project per reference', async () => {
    const s = await start();
    const denied = await collect(
      scanReference('wandb://acme/fraud/detector:v1', { env: env(s, 'wrong'), retry: FAST_RETRY }),
    );
    expect(denied[0]!.coverage.issues[0]!.message).toMatch(/^AUTH: .*not logged in/);
    const missing = await collect(scanReference('wandb://acme/nope', { env: env(s), retry: FAST_RETRY }));
    expect(missing[0]!.coverage.issues[0]!.message).toMatch(/^NOT_FOUND/);
  });

  it('parses wandb:// references', () => {
    expect(parseWandbReference('wandb://acme/fraud')!.scope).toEqual({ owner: 'acme/fraud' });
    expect(parseWandbReference('wandb://acme/fraud/detector:v3/a/b.pt')!.scope).toEqual({
      owner: 'acme/fraud',
      models: ['detector'],
      version: 'v3',
      path: 'a/b.pt',
    });
    expect(() => parseWandbReference('wandb://acme')).toThrow(/expected/);
    expect(() => parseWandbReference('wandb://acme/fraud/detector/x')).toThrow(/expected/);
  });
});
