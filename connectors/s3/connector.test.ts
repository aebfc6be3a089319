import { afterEach, describe, expect, it } from 'vitest';
import { scanReference } from '../scan-reference.js';
import { CONFIG_JSON, collect, EVIL_PICKLE, FAST_RETRY, noiseBytes } from '../testkit/fixtures.js';
import { sha256Hex } from '../testkit/git-oid.js';
import { S3Server, s3ErrorBody } from '../testkit/s3-server.js';
import { parseS3Reference } from './reference.js';

const BIG = noiseBytes(200_000, 7);

let server: S3Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(): Promise<S3Server> {
  server = await S3Server.start({
    accessKeyId: 'AKIDTEST',
    maxKeys: 1,
    buckets: {
      models: {
        'fraud/model.pkl': EVIL_PICKLE,
        'fraud/model.pkl.bak': CONFIG_JSON,
        'llm/config.json': CONFIG_JSON,
        'llm/weights/blob.bin': BIG,
        'llm/weights/shard.json': CONFIG_JSON,
      },
    },
  });
  return server;
}

const env = (s: S3Server, key = 'AKIDTEST') => ({
  AWS_ACCESS_KEY_ID: key,
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL_S3: s.url,
});

describe('S3 connector', () => {
  it('streams one object named by its URI', async () => {
    const s = await start();
    const results = await collect(
      scanReference('s3://models/fraud/model.pkl', { env: env(s), retry: FAST_RETRY }),
    );
    expect(results.map((r) => r.path)).toEqual(['s3://models/fraud/model.pkl']);
    expect(results[0]!.sha256).toBe(sha256Hex(EVIL_PICKLE));
    expect(results[0]!.verdict).not.toBe('clean');
  });

  it('lists every object below a prefix across continuation tokens', async () => {
    const s = await start();
    const results = await collect(scanReference('s3://models/llm', { env: env(s), retry: FAST_RETRY }));
    expect(results.map((r) => r.path)).toEqual([
      's3://models/llm/config.json',
      's3://models/llm/weights/blob.bin',
      's3://models/llm/weights/shard.json',
    ]);
    expect(results[1]!.sha256).toBe(sha256Hex(BIG));
    expect(s.http.requests.filter((r) => r.url.includes('list-type=2')).length).toBeGreaterThanOrEqual(3);
  });

  it('resumes a dropped GetObject with Range and If-Match on the listed ETag', async () => {
    const s = await start();
    s.http.inject({ path: /blob\.bin$/, method: 'GET', times: 1, dropAfter: 70_000 });
    const results = await collect(
      scanReference('s3://models/llm/weights/blob.bin', { env: env(s), retry: FAST_RETRY }),
    );
    expect(results[0]!.sha256).toBe(sha256Hex(BIG));
    const gets = s.http.seen(/blob\.bin$/, 'GET');
    expect(gets).toHaveLength(2);
    expect(gets[1]!.headers.range).toMatch(/^bytes=\d+-$/);
    expect(gets[1]!.headers['if-match']).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('lets the SDK retry 503 SlowDown', async () => {
    const s = await start();
    s.http.inject({
      path: /model\.pkl$/,
      method: 'GET',
      times: 1,
      status: 503,
      headers: { 'content-type': 'application/xml' },
      body: s3ErrorBody('SlowDown', 'Please reduce your request rate.'),
    });
    const results = await collect(
      scanReference('s3://models/fraud/model.pkl', { env: env(s), retry: FAST_RETRY }),
    );
    expect(results[0]!.sha256).toBe(sha256Hex(EVIL_PICKLE));
  });

  it('reports wrong credentials and missing objects per reference', async () => {
    const s = await start();
    const denied = await collect(
      scanReference('s3://models/fraud/model.pkl', { env: env(s, 'AKIDWRONG'), retry: FAST_RETRY }),
    );
    expect(denied[0]!.verdict).toBe('inconclusive');
    expect(denied[0]!.coverage.issues[0]!.message).toMatch(/^AUTH: .*InvalidAccessKeyId/);
    const missing = await collect(
      scanReference('s3://models/nothing-here', { env: env(s), retry: FAST_RETRY }),
    );
    expect(missing[0]!.coverage.issues[0]!.message).toMatch(/^NOT_FOUND/);
    const bucket = await collect(scanReference('s3://nobucket/x', { env: env(s), retry: FAST_RETRY }));
    expect(bucket[0]!.coverage.issues[0]!.message).toMatch(/NoSuchBucket/);
  });

  it('parses s3:// references', () => {
    expect(parseS3Reference('s3://models/a/b')!.scope).toEqual({ models: ['s3://models/a/b'] });
    expect(parseS3Reference('hf://a')).toBeUndefined();
    expect(() => parseS3Reference('s3://A_bad/x')).toThrow(/expected/);
  });
});
