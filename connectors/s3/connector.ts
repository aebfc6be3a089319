import { guardAwsClient } from '../../evidence/emit/egress-aws.js';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Connector, OpenedBody } from '../connector.js';
import { ConnectorError } from '../errors.js';
import type { ModelVersionRef } from '../model-version-ref.js';
import type { ObjectStore } from '../object-store.js';
import { checkPath, inScopePath, PageGuard } from '../paths.js';
import type { RemoteArtifact } from '../remote-artifact.js';
import type { Scope } from '../scope.js';
import { awsEndpointLabel, sdkConfig, type AwsSettings } from '../aws/settings.js';
import { awsError } from '../aws/errors.js';
import { parseS3Uri } from './reference.js';

/** Most objects read below one prefix. */
export const S3_MAX_OBJECTS = 100_000;

/**
 * S3 objects and prefixes (`@aws-sdk/client-s3`, default credential chain): listing with ListObjectsV2
 * (continuation tokens), streaming GetObject with `Range` for resume and `If-Match` on the listed ETag so a resume
 * never splices two versions of an object. The ETag is a change key only (not always an MD5). Also the object store
 * behind MLflow `s3://` sources, SageMaker model data and W&B references.
 */
export class S3Connector implements Connector, ObjectStore {
  readonly registry = 's3' as const;
  readonly schemes = ['s3:'] as const;
  readonly endpoint: string;
  private client: S3Client | undefined;

  constructor(private readonly settings: AwsSettings) {
    this.endpoint = awsEndpointLabel(settings);
  }

  /** The SDK is loaded on first use: most runs never touch S3, and loading it costs ~0.3 s of start-up. */
  private async s3(): Promise<S3Client> {
    if (!this.client) {
      const { S3Client } = await import('@aws-sdk/client-s3');
      const client = new S3Client({
        ...sdkConfig(this.settings),
        forcePathStyle: this.settings.endpoint !== undefined,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      this.client = this.settings.egress ? guardAwsClient(client, this.settings.egress) : client;
    }
    return this.client;
  }

  async *listVersions(scope: Scope): AsyncGenerator<ModelVersionRef> {
    for (const uri of scope.models ?? []) {
      parseS3Uri(uri);
      yield {
        registry: 's3',
        endpoint: this.endpoint,
        model: uri,
        version: '',
        reference: uri,
        labels: {},
        locator: uri,
      };
    }
  }

  async *listArtifacts(
    version: ModelVersionRef,
    scope: Scope,
    signal?: AbortSignal,
  ): AsyncGenerator<RemoteArtifact> {
    for await (const a of this.listUri(version.locator, version, version.reference, signal))
      if (inScopePath(a.path, scope.path)) yield a;
  }

  async *listUri(
    uri: string,
    version: ModelVersionRef,
    referenceBase: string,
    signal?: AbortSignal,
  ): AsyncGenerator<RemoteArtifact> {
    const { bucket, key } = parseS3Uri(uri);
    const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
    const guard = new PageGuard(`objects below ${uri}`, S3_MAX_OBJECTS);
    let found = false;
    try {
      const { paginateListObjectsV2 } = await import('@aws-sdk/client-s3');
      const pages = paginateListObjectsV2(
        { client: await this.s3(), pageSize: 1000 },
        { Bucket: bucket, Prefix: key },
        ...(signal ? [{ abortSignal: signal }] : []),
      );
      for await (const page of pages) {
        for (const o of page.Contents ?? []) {
          if (!o.Key) continue;
          guard.add(o.Key);
          if (o.Key === key && key !== prefix) {
            // An object named exactly like the reference: that object alone.
            yield this.artifact(
              version,
              bucket,
              o.Key,
              o.Key.split('/').pop()!,
              referenceBase,
              o.ETag,
              o.Size,
            );
            return;
          }
          if (!o.Key.startsWith(prefix) || o.Key.endsWith('/')) continue;
          const path = checkPath(o.Key.slice(prefix.length));
          found = true;
          yield this.artifact(
            version,
            bucket,
            o.Key,
            path,
            `${referenceBase.replace(/\/+$/, '')}/${path}`,
            o.ETag,
            o.Size,
          );
        }
      }
    } catch (err) {
      throw awsError(err, `listing ${uri}`);
    }
    if (!found) throw new ConnectorError('NOT_FOUND', `no object at ${uri}`);
  }

  async openRange(artifact: RemoteArtifact, offset: number, signal?: AbortSignal): Promise<OpenedBody> {
    const { bucket, key } = parseS3Uri(artifact.locator);
    const etag = artifact.digests.find((d) => d.algorithm === 'etag')?.value;
    try {
      const { GetObjectCommand } = await import('@aws-sdk/client-s3');
      const out = await (
        await this.s3()
      ).send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}),
          ...(etag ? { IfMatch: `"${etag}"` } : {}),
        }),
        signal ? { abortSignal: signal } : {},
      );
      if (!out.Body) throw new ConnectorError('BAD_RESPONSE', `GetObject ${artifact.locator}: no body`);
      let start = 0;
      let total: number | undefined = out.ContentLength;
      const range = /^bytes (\d+)-\d+\/(\d+)$/.exec(out.ContentRange ?? '');
      if (range) {
        start = Number(range[1]);
        total = Number(range[2]);
      }
      const opened: OpenedBody = { start, body: out.Body as AsyncIterable<Uint8Array> };
      if (out.ETag) opened.validator = out.ETag;
      if (total !== undefined) opened.total = total;
      return opened;
    } catch (err) {
      throw awsError(err, `GetObject ${artifact.locator}`);
    }
  }

  async close(): Promise<void> {
    this.client?.destroy();
    this.client = undefined;
  }

  private artifact(
    version: ModelVersionRef,
    bucket: string,
    key: string,
    path: string,
    reference: string,
    etag: string | undefined,
    size: number | undefined,
  ): RemoteArtifact {
    const a: RemoteArtifact = { version, path, reference, digests: [], locator: `s3://${bucket}/${key}` };
    const tag = etag?.replace(/^"|"$/g, '');
    if (tag) a.digests.push({ algorithm: 'etag', value: tag });
    if (size !== undefined && Number.isSafeInteger(size) && size >= 0) a.size = size;
    return a;
  }
}
