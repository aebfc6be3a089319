import { afterEach, describe, expect, it } from 'vitest';
import { sagemakerFactory } from './factory.js';
import { scanReference, scanScope } from '../scan-reference.js';
import { CONFIG_JSON, collect, EVIL_PICKLE, FAST_RETRY } from '../testkit/fixtures.js';
import { sha256Hex } from '../testkit/git-oid.js';
import { SageMakerServer } from '../testkit/sagemaker-server.js';
import { S3Server } from '../testkit/s3-server.js';
import { tarGz } from '../testkit/tar-gz.js';
import { parseSageMakerReference } from './reference.js';

let sm: SageMakerServer | undefined;
let s3: S3Server | undefined;
let tarball: Uint8Array;
afterEach(async () => {
  await sm?.close();
  await s3?.close();
  sm = s3 = undefined;
});

async function start(): Promise<void> {
  tarball = await tarGz({ 'code/inference.json': CONFIG_JSON, 'model.pkl': EVIL_PICKLE });
  s3 = await S3Server.start({
    accessKeyId: 'AKIDTEST',
    buckets: {
      models: {
        'fraud/1/model.tar.gz': tarball,
        'fraud/2/model.tar.gz': await tarGz({ 'config.json': CONFIG_JSON }),
        'llm/1/config.json': CONFIG_JSON,
        'llm/1/weights.json': CONFIG_JSON,
        'extra/adapter.json': CONFIG_JSON,
      },
    },
  });
  sm = await SageMakerServer.start({
    accessKeyId: 'AKIDTEST',
    pageSize: 1,
    groups: [
      {
        name: 'fraud',
        packages: [
          {
            version: 1,
            approval: 'Approved',
            containers: [{ ModelDataUrl: 's3://models/fraud/1/model.tar.gz' }],
          },
          {
            version: 2,
            approval: 'PendingManualApproval',
            containers: [{ ModelDataUrl: 's3://models/fraud/2/model.tar.gz' }],
          },
        ],
      },
      {
        name: 'llm',
        packages: [
          {
            version: 1,
            approval: 'Approved',
            containers: [
              {
                ModelDataSource: {
                  S3DataSource: {
                    S3Uri: 's3://models/llm/1/',
                    S3DataType: 'S3Prefix',
                    CompressionType: 'None',
                  },
                },
                AdditionalModelDataSources: [
                  {
                    ChannelName: 'adapter',
                    S3DataSource: {
                      S3Uri: 's3://models/extra/adapter.json',
                      S3DataType: 'S3Object',
                      CompressionType: 'None',
                    },
                  },
                ],
              },
            ],
            additional: [{ ModelDataUrl: 'https://example.invalid/model.tar.gz' }],
          },
        ],
      },
    ],
  });
}

const env = (key = 'AKIDTEST') => ({
  AWS_ACCESS_KEY_ID: key,
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL_S3: s3!.url,
  AWS_ENDPOINT_URL_SAGEMAKER: sm!.url,
});

describe('SageMaker connector', () => {
  it('scans a versioned package ARN: its model.tar.gz is streamed from S3 and expanded member by member', async () => {
    await start();
    const arn = sm!.arn('fraud', 1);
    const results = await collect(scanReference(arn, { env: env(), retry: FAST_RETRY }));
    expect(results.map((r) => r.path)).toEqual([`${arn}#s3://models/fraud/1/model.tar.gz`]);
    expect(results[0]!.sha256).toBe(sha256Hex(tarball));
    expect(results[0]!.format).toBe('gzip');
    expect(results[0]!.verdict).not.toBe('clean');
    const targets = sm!.http.requests.map((r) => r.headers['x-amz-target']);
    expect(targets).toContain('SageMaker.ListModelPackages');
    expect(targets).toContain('SageMaker.DescribeModelPackage');
  });

  it('walks every group and version across NextToken pages, reading S3Prefix and additional data sources', async () => {
    await start();
    const results = await collect(scanReference('sagemaker://', { env: env(), retry: FAST_RETRY }));
    const paths = results.map((r) => r.path);
    const llm = sm!.arn('llm', 1);
    expect(paths).toEqual([
      `${sm!.arn('fraud', 1)}#s3://models/fraud/1/model.tar.gz`,
      `${sm!.arn('fraud', 2)}#s3://models/fraud/2/model.tar.gz`,
      `${llm}#s3://models/llm/1/config.json`,
      `${llm}#s3://models/llm/1/weights.json`,
      `${llm}#s3://models/extra/adapter.json`,
      llm,
    ]);
    // model data outside S3 is reported, never silently skipped
    expect(results[5]!.coverage.issues[0]!.message).toMatch(/UNSUPPORTED.*outside S3.*example\.invalid/);
    expect(
      sm!.http.requests.filter((r) => r.headers['x-amz-target'] === 'SageMaker.ListModelPackageGroups')
        .length,
    ).toBe(2);
  });

  it('filters by approval status and retries ThrottlingException', async () => {
    await start();
    sm!.http.inject({
      path: /^\/$/,
      times: 1,
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException' },
      body: '{"__type":"ThrottlingException","message":"Rate exceeded"}',
    });
    const connector = sagemakerFactory.create({ env: env(), retry: FAST_RETRY });
    try {
      const results = await collect(
        scanScope(connector, { models: ['fraud'], approval: 'Approved' }, 'fraud', { retry: FAST_RETRY }),
      );
      expect(results.map((r) => r.path)).toEqual([`${sm!.arn('fraud', 1)}#s3://models/fraud/1/model.tar.gz`]);
    } finally {
      await connector.close();
    }
  });

  it('reports bad credentials and a missing version per model', async () => {
    await start();
    const denied = await collect(
      scanReference('sagemaker://fraud', { env: env('AKIDWRONG'), retry: FAST_RETRY }),
    );
    expect(denied).toHaveLength(1);
    expect(denied[0]!.coverage.issues[0]!.message).toMatch(/^AUTH: .*UnrecognizedClientException/);
    const missing = await collect(scanReference('sagemaker://fraud/7', { env: env(), retry: FAST_RETRY }));
    expect(missing[0]!.coverage.issues[0]!.message).toMatch(/^NOT_FOUND: .*no version 7/);
  });

  it('parses ARNs and sagemaker:// references', () => {
    expect(parseSageMakerReference('arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud/3')).toEqual(
      { registry: 'sagemaker', scope: { models: ['fraud'], version: '3' }, region: 'eu-west-1' },
    );
    expect(
      parseSageMakerReference('arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/fraud')!.scope,
    ).toEqual({ models: ['fraud'] });
    expect(parseSageMakerReference('sagemaker://fraud/2')!.scope).toEqual({
      models: ['fraud'],
      version: '2',
    });
    expect(() => parseSageMakerReference('arn:aws:sagemaker:eu-west-1:123456789012:endpoint/x')).toThrow(
      /expected/,
    );
    expect(parseSageMakerReference('s3://x/y')).toBeUndefined();
  });
});
